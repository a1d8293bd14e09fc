import { describe, expect, it } from 'vitest';
import { synthStack } from './support/synth-stack.js';

// The whole template, so any change to the deployed resources shows up in review as a
// snapshot diff. Stable by construction: fixed account, region and source, no
// CDKMetadata, and the stack has no assets (no hashes).
describe('synthesized template', () => {
  it('default stack matches the snapshot', () => {
    expect(synthStack().template.toJSON()).toMatchSnapshot();
  });

  it('batch stack matches the snapshot', () => {
    expect(synthStack({ batch: 'true' }).template.toJSON()).toMatchSnapshot();
  });

  it('is the same on every synthesis', () => {
    expect(JSON.stringify(synthStack().template.toJSON())).toBe(JSON.stringify(synthStack().template.toJSON()));
  });
});
