// Which addon binary loads: the prebuilt one for this platform first, unless a newer local build exists.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { preferPrebuilt, prebuiltPath } from '../src/native/binding.js';

describe('addon selection', () => {
  it('prefers prebuilds/<platform>-<arch>/*.node unless build/Release holds a newer build', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ecg-edge-pkg-'));
    expect(prebuiltPath(root)).toBeNull();
    expect(preferPrebuilt(root)).toBeNull();
    const preDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
    fs.mkdirSync(preDir, { recursive: true });
    fs.mkdirSync(path.join(root, 'prebuilds', 'other-arch'), { recursive: true });
    fs.writeFileSync(path.join(root, 'prebuilds', 'other-arch', 'ecg-edge.node'), '');
    const pre = path.join(preDir, 'ecg-edge.node');
    fs.writeFileSync(pre, '');
    expect(prebuiltPath(root)).toBe(pre);
    expect(preferPrebuilt(root)).toBe(pre); // no local build
    const local = path.join(root, 'build', 'Release', 'ecg_edge.node');
    fs.mkdirSync(path.dirname(local), { recursive: true });
    fs.writeFileSync(local, '');
    fs.utimesSync(pre, new Date(1000_000), new Date(1000_000));
    fs.utimesSync(local, new Date(2000_000), new Date(2000_000));
    expect(preferPrebuilt(root)).toBeNull(); // rebuilt after the prebuild: the local build wins
    fs.utimesSync(local, new Date(500_000), new Date(500_000));
    expect(preferPrebuilt(root)).toBe(pre); // an older local build: the prebuilt binary first
    fs.rmSync(root, { recursive: true, force: true });
  });
});
