import { describe, expect, it } from 'vitest';
import { loadNative } from '../src/native/binding.js';

describe('native addon', () => {
  it('loads and reports the core version', () => {
    expect(loadNative().version).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
