/* Host-side unit test of firmware/protocol.c against test-vectors.json (through the generated header).
 * Built with ASan + UBSan by `make host-test`; prints "N passed, N failed" and exits non-zero on failure. */
#include <stdio.h>
#include <string.h>

#include "protocol.h"
#include "test_vectors.h"

static int passed, failed;

static void check(int ok, const char *group, const char *name, const char *what) {
  if (ok) {
    passed++;
  } else {
    failed++;
    printf("FAIL %s / %s: %s\n", group, name, what);
  }
}

static int same(const uint8_t *a, size_t na, const uint8_t *b, size_t nb) { return na == nb && memcmp(a, b, na) == 0; }

int main(void) {
  uint8_t out[96];
  for (size_t i = 0; i < N_OF(CRC_VECS); i++)
    check(ecg_crc16(CRC_VECS[i].in, CRC_VECS[i].n) == CRC_VECS[i].crc, "crc16", CRC_VECS[i].name, "crc value");

  for (size_t i = 0; i < N_OF(BLOCK_VECS); i++) {
    const block_vec_t *v = &BLOCK_VECS[i];
    size_t n = ecg_frame_block(out, sizeof out, (uint32_t)v->seq, (uint8_t)v->flags, v->samples, (uint8_t)v->n);
    check(same(out, n, v->frame, v->len), "block", v->name, "frame bytes");
    check(ecg_sysex_check(v->frame + 1, v->len - 2) == (int)(v->len - 6), "block", v->name, "crc check of the vector");
    check(ecg_frame_block(out, v->len - 1, (uint32_t)v->seq, (uint8_t)v->flags, v->samples, (uint8_t)v->n) == 0, "block",
          v->name, "refuses a too small buffer");
  }
  check(ecg_frame_block(out, sizeof out, 0, 0, BLOCK_VECS[0].samples, 0) == 0, "block", "zero samples", "refused");
  check(ecg_frame_block(out, sizeof out, 0, 0, BLOCK_VECS[0].samples, 17) == 0, "block", "17 samples", "refused");

  for (size_t i = 0; i < N_OF(INFO_VECS); i++) {
    const info_vec_t *v = &INFO_VECS[i];
    ecg_info_t info = {(uint8_t)v->fw[0], (uint8_t)v->fw[1], (uint8_t)v->fw[2], (uint16_t)v->rate, (uint8_t)v->adc_bits,
                       (uint8_t)v->block_samples, (uint8_t)v->status, (uint8_t)v->reset_cause, (uint16_t)v->vref_mv,
                       (uint16_t)v->gain, (uint16_t)v->offset_mv, v->board};
    size_t n = ecg_frame_info(out, sizeof out, &info);
    check(same(out, n, v->frame, v->len), "info", v->name, "frame bytes");
  }

  for (size_t i = 0; i < N_OF(REPLY_VECS); i++) {
    const reply_vec_t *v = &REPLY_VECS[i];
    size_t n = ecg_frame_reply(out, sizeof out, (uint8_t)v->op, (uint8_t)v->status, v->extra, (uint8_t)v->n);
    check(same(out, n, v->frame, v->len), "reply", v->name, "frame bytes");
  }

  for (size_t i = 0; i < N_OF(COMMAND_VECS); i++) {
    const command_vec_t *v = &COMMAND_VECS[i];
    size_t n = ecg_frame_command(out, sizeof out, (uint8_t)v->op, v->args, (uint8_t)v->n);
    check(same(out, n, v->frame, v->len), "command", v->name, "frame bytes");
    /* The firmware's receive path: the parser yields the sysex body and its CRC checks. */
    fm_parser_t p;
    fm_parser_init(&p);
    int got = 0;
    for (unsigned k = 0; k < v->len; k++) got += fm_parser_feed(&p, v->frame[k]);
    check(got == 1 && p.cmd == FM_START_SYSEX && p.len == v->len - 2 && !memcmp(p.data, v->frame + 1, p.len), "command",
          v->name, "parsed as one sysex message");
    check(ecg_sysex_check(p.data, p.len) == (int)(1 + v->n), "command", v->name, "crc check and payload length");
  }

  for (size_t i = 0; i < N_OF(FIRMATA_VECS); i++) {
    const firmata_vec_t *v = &FIRMATA_VECS[i];
    fm_parser_t p;
    fm_parser_init(&p);
    unsigned m = 0;
    int ok = 1;
    for (unsigned k = 0; k < v->len; k++) {
      if (!fm_parser_feed(&p, v->in[k])) continue;
      if (m >= v->n_msgs) {
        ok = 0;
        break;
      }
      const fm_msg_vec_t *e = &v->msgs[m++];
      if (p.cmd != e->cmd || p.chan != e->chan || p.len != e->n || memcmp(p.data, e->data, e->n) != 0) ok = 0;
    }
    check(ok && m == v->n_msgs, "firmata", v->name, "messages");
  }

  for (size_t i = 0; i < N_OF(INVALID_VECS); i++) {
    const invalid_vec_t *v = &INVALID_VECS[i];
    check(ecg_sysex_check(v->frame + 1, v->len - 2) == -1, "invalid", v->name, "rejected");
  }

  /* Every single-bit error in a block frame's body is detected. */
  {
    const block_vec_t *v = &BLOCK_VECS[1];
    uint8_t body[64];
    int missed = 0;
    for (unsigned k = 0; k < v->len - 2; k++)
      for (int bit = 0; bit < 7; bit++) {
        memcpy(body, v->frame + 1, v->len - 2);
        body[k] ^= (uint8_t)(1 << bit);
        if (ecg_sysex_check(body, v->len - 2) != -1) missed++;
      }
    check(missed == 0, "crc16", "all single-bit errors of a block", "detected");
  }

  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
