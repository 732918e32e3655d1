// The fake vendor lives in src/demo (the demo uses it too).
export * from '../../src/demo/fake-vendor.ts';
