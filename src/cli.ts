import { x } from "./y.ts"; console.log(x);
