/* ecg-edge board protocol: see protocol.h and PROTOCOL.md. No AVR dependency. */
#include "protocol.h"

uint16_t ecg_crc16_update(uint16_t crc, uint8_t byte) {
  crc ^= (uint16_t)((uint16_t)byte << 8);
  for (uint8_t i = 0; i < 8; i++) crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
  return crc;
}

uint16_t ecg_crc16(const uint8_t *data, size_t n) {
  uint16_t crc = 0xFFFFu;
  for (size_t i = 0; i < n; i++) crc = ecg_crc16_update(crc, data[i]);
  return crc;
}

/* Appends the CRC of out[1..len) (id and payload) as three 7-bit bytes, then END_SYSEX. */
static size_t finish_sysex(uint8_t *out, size_t len, size_t cap) {
  if (len + 4 > cap) return 0;
  uint16_t crc = ecg_crc16(out + 1, len - 1);
  out[len++] = (uint8_t)(crc & 0x7F);
  out[len++] = (uint8_t)((crc >> 7) & 0x7F);
  out[len++] = (uint8_t)((crc >> 14) & 0x03);
  out[len++] = FM_END_SYSEX;
  return len;
}

size_t ecg_frame_block(uint8_t *out, size_t cap, uint32_t seq, uint8_t flags, const uint16_t *samples, uint8_t n) {
  if (n == 0 || n > ECG_BLOCK_MAX_SAMPLES || cap < 7u + 2u * n + 4u) return 0;
  size_t k = 0;
  out[k++] = FM_START_SYSEX;
  out[k++] = ECG_SYSEX_BLOCK;
  out[k++] = (uint8_t)(seq & 0x7F);
  out[k++] = (uint8_t)((seq >> 7) & 0x7F);
  out[k++] = (uint8_t)((seq >> 14) & 0x7F);
  out[k++] = (uint8_t)(flags & 0x7F);
  out[k++] = n;
  for (uint8_t i = 0; i < n; i++) {
    out[k++] = (uint8_t)(samples[i] & 0x7F);
    out[k++] = (uint8_t)((samples[i] >> 7) & 0x7F);
  }
  return finish_sysex(out, k, cap);
}

size_t ecg_frame_info(uint8_t *out, size_t cap, const ecg_info_t *info) {
  size_t name_len = 0;
  if (info->board)
    while (info->board[name_len] && name_len < 24) name_len++;
  if (cap < 2 + 17 + name_len + 4) return 0;
  size_t k = 0;
  out[k++] = FM_START_SYSEX;
  out[k++] = ECG_SYSEX_INFO;
  out[k++] = ECG_PROTO_MAJOR;
  out[k++] = ECG_PROTO_MINOR;
  out[k++] = info->fw_major & 0x7F;
  out[k++] = info->fw_minor & 0x7F;
  out[k++] = info->fw_patch & 0x7F;
  out[k++] = (uint8_t)(info->rate_hz & 0x7F);
  out[k++] = (uint8_t)((info->rate_hz >> 7) & 0x7F);
  out[k++] = info->adc_bits & 0x7F;
  out[k++] = info->block_samples & 0x7F;
  out[k++] = info->status & 0x7F;
  out[k++] = info->reset_cause & 0x7F;
  out[k++] = (uint8_t)(info->vref_mv & 0x7F);
  out[k++] = (uint8_t)((info->vref_mv >> 7) & 0x7F);
  out[k++] = (uint8_t)(info->gain & 0x7F);
  out[k++] = (uint8_t)((info->gain >> 7) & 0x7F);
  out[k++] = (uint8_t)(info->offset_mv & 0x7F);
  out[k++] = (uint8_t)((info->offset_mv >> 7) & 0x7F);
  for (size_t i = 0; i < name_len; i++) out[k++] = (uint8_t)(info->board[i] & 0x7F);
  return finish_sysex(out, k, cap);
}

static size_t frame_op(uint8_t *out, size_t cap, uint8_t id, uint8_t op, int status, const uint8_t *extra, uint8_t n) {
  if (cap < 4u + n + 4u) return 0;
  size_t k = 0;
  out[k++] = FM_START_SYSEX;
  out[k++] = id;
  out[k++] = op & 0x7F;
  if (status >= 0) out[k++] = (uint8_t)(status & 0x7F);
  for (uint8_t i = 0; i < n; i++) out[k++] = extra[i] & 0x7F;
  return finish_sysex(out, k, cap);
}

size_t ecg_frame_reply(uint8_t *out, size_t cap, uint8_t op, uint8_t status, const uint8_t *extra, uint8_t n) {
  return frame_op(out, cap, ECG_SYSEX_REPLY, op, status, extra, n);
}

size_t ecg_frame_command(uint8_t *out, size_t cap, uint8_t op, const uint8_t *args, uint8_t n) {
  return frame_op(out, cap, ECG_SYSEX_COMMAND, op, -1, args, n);
}

int ecg_sysex_check(const uint8_t *body, size_t n) {
  if (n < 4) return -1;
  for (size_t i = 0; i < n; i++)
    if (body[i] & 0x80) return -1;
  uint16_t crc = ecg_crc16(body, n - 3);
  uint16_t got = (uint16_t)(body[n - 3] | ((uint16_t)body[n - 2] << 7) | ((uint16_t)(body[n - 1] & 0x03) << 14));
  if (body[n - 1] > 0x03 || crc != got) return -1;
  return (int)(n - 4);
}

void fm_parser_init(fm_parser_t *p) {
  p->cmd = p->chan = p->len = p->need = 0;
  p->in_msg = p->in_sysex = p->overflow = 0;
}

static uint8_t data_bytes_for(uint8_t cmd) {
  switch (cmd) {
    case FM_DIGITAL_MESSAGE:
    case FM_ANALOG_MESSAGE:
    case FM_SET_PIN_MODE:
    case FM_SET_DIGITAL_PIN:
      return 2;
    case FM_REPORT_ANALOG:
    case FM_REPORT_DIGITAL:
      return 1;
    default:
      return 0;
  }
}

int fm_parser_feed(fm_parser_t *p, uint8_t b) {
  if (b & 0x80) {
    if (p->in_sysex && b == FM_END_SYSEX) {
      p->in_sysex = 0;
      p->in_msg = 0;
      p->cmd = FM_START_SYSEX;
      return 1;
    }
    /* Any other status byte starts a new message; an unfinished one is abandoned. */
    p->in_sysex = 0;
    p->in_msg = 0;
    p->len = 0;
    p->overflow = 0;
    if (b == FM_START_SYSEX) {
      p->in_sysex = 1;
      p->cmd = FM_START_SYSEX;
      return 0;
    }
    uint8_t cmd = b < 0xF0 ? (uint8_t)(b & 0xF0) : b;
    p->cmd = cmd;
    p->chan = b < 0xF0 ? (uint8_t)(b & 0x0F) : 0;
    p->need = data_bytes_for(cmd);
    if (cmd == FM_REPORT_VERSION || cmd == FM_SYSTEM_RESET) return 1;
    if (p->need) p->in_msg = 1;
    return 0;
  }
  if (p->in_sysex) {
    if (p->len < ECG_SYSEX_MAX) p->data[p->len++] = b;
    else p->overflow = 1;
    return 0;
  }
  if (!p->in_msg) return 0; /* stray data byte: ignored */
  p->data[p->len++] = b;
  if (p->len == p->need) {
    p->in_msg = 0;
    return 1;
  }
  return 0;
}
