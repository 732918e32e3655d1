export * from '../../src/demo/fake-stripe.ts';
