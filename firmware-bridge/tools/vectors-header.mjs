// Turns firmware-bridge/test-vectors.json into a C header for the firmware's host-side unit test
// (test/test_protocol.c), so that the C code and the TypeScript host are checked against the same vectors.
// Usage: node tools/vectors-header.mjs test-vectors.json > build/host/test_vectors.h
import { readFileSync } from 'node:fs';

const v = JSON.parse(readFileSync(process.argv[2] ?? 'test-vectors.json', 'utf8'));
const bytes = (hex) => (hex.trim() ? hex.trim().split(/\s+/).map((h) => `0x${h}`) : []);
const arr = (xs) => `{${xs.length ? xs.join(', ') : '0'}}`;
const str = (s) => JSON.stringify(s);
const out = ['/* generated from test-vectors.json by tools/vectors-header.mjs: do not edit */', '#include <stdint.h>', ''];

out.push('typedef struct { const char *name; uint8_t in[64]; unsigned n; unsigned crc; } crc_vec_t;');
out.push(`static const crc_vec_t CRC_VECS[] = {${v.crc16.map((c) => `{${str(c.name)}, ${arr(bytes(c.hex))}, ${bytes(c.hex).length}, ${c.crc}}`).join(',\n  ')}};`);

out.push('typedef struct { const char *name; unsigned long seq; unsigned flags; uint16_t samples[16]; unsigned n; uint8_t frame[64]; unsigned len; } block_vec_t;');
out.push(`static const block_vec_t BLOCK_VECS[] = {${v.block.map((b) => `{${str(b.name)}, ${b.seq}UL, ${b.flags}, ${arr(b.samples)}, ${b.samples.length}, ${arr(bytes(b.hex))}, ${bytes(b.hex).length}}`).join(',\n  ')}};`);

out.push('typedef struct { const char *name; unsigned fw[3]; unsigned rate, adc_bits, block_samples, status, reset_cause, vref_mv, gain, offset_mv; const char *board; uint8_t frame[64]; unsigned len; } info_vec_t;');
out.push(`static const info_vec_t INFO_VECS[] = {${v.info.map((i) => `{${str(i.name)}, {${i.fwMajor}, ${i.fwMinor}, ${i.fwPatch}}, ${i.rateHz}, ${i.adcBits}, ${i.blockSamples}, ${i.status}, ${i.resetCause}, ${i.vrefMv}, ${i.gain}, ${i.offsetMv}, ${str(i.board)}, ${arr(bytes(i.hex))}, ${bytes(i.hex).length}}`).join(',\n  ')}};`);

out.push('typedef struct { const char *name; unsigned op, status; uint8_t extra[16]; unsigned n; uint8_t frame[64]; unsigned len; } reply_vec_t;');
out.push(`static const reply_vec_t REPLY_VECS[] = {${v.reply.map((r) => `{${str(r.name)}, ${r.op}, ${r.status}, ${arr(r.extra)}, ${r.extra.length}, ${arr(bytes(r.hex))}, ${bytes(r.hex).length}}`).join(',\n  ')}};`);

out.push('typedef struct { const char *name; unsigned op; uint8_t args[16]; unsigned n; uint8_t frame[64]; unsigned len; } command_vec_t;');
out.push(`static const command_vec_t COMMAND_VECS[] = {${v.command.map((c) => `{${str(c.name)}, ${c.op}, ${arr(c.args)}, ${c.args.length}, ${arr(bytes(c.hex))}, ${bytes(c.hex).length}}`).join(',\n  ')}};`);

out.push('typedef struct { unsigned cmd, chan; uint8_t data[64]; unsigned n; } fm_msg_vec_t;');
out.push('typedef struct { const char *name; uint8_t in[96]; unsigned len; fm_msg_vec_t msgs[4]; unsigned n_msgs; } firmata_vec_t;');
out.push(`static const firmata_vec_t FIRMATA_VECS[] = {${v.firmata_in.map((f) => `{${str(f.name)}, ${arr(bytes(f.hex))}, ${bytes(f.hex).length}, {${f.messages.map((m) => `{${m.cmd}, ${m.chan}, ${arr(m.data)}, ${m.data.length}}`).join(', ')}}, ${f.messages.length}}`).join(',\n  ')}};`);

out.push('typedef struct { const char *name; uint8_t frame[64]; unsigned len; } invalid_vec_t;');
out.push(`static const invalid_vec_t INVALID_VECS[] = {${v.invalid.map((i) => `{${str(i.name)}, ${arr(bytes(i.hex))}, ${bytes(i.hex).length}}`).join(',\n  ')}};`);
out.push('#define N_OF(a) (sizeof(a) / sizeof((a)[0]))', '');
process.stdout.write(out.join('\n'));
