/*
 * ecg-edge board protocol: framing, CRC and the Firmata input parser.
 * Plain C99 with no AVR dependency, so that the same file is compiled into the firmware and into the
 * host-side unit test (firmware-bridge/test/test_protocol.c). PROTOCOL.md is the specification.
 */
#ifndef ECG_EDGE_PROTOCOL_H
#define ECG_EDGE_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ecg-edge protocol version carried in ECG_INFO; the host refuses another major version. */
#define ECG_PROTO_MAJOR 1
#define ECG_PROTO_MINOR 0

/* Firmata (MIDI-style) command bytes used by the board. */
#define FM_DIGITAL_MESSAGE 0x90 /* | port, 2 data bytes */
#define FM_ANALOG_MESSAGE 0xE0  /* | channel, 2 data bytes */
#define FM_REPORT_ANALOG 0xC0   /* | channel, 1 data byte */
#define FM_REPORT_DIGITAL 0xD0  /* | port, 1 data byte */
#define FM_SET_PIN_MODE 0xF4    /* 2 data bytes */
#define FM_SET_DIGITAL_PIN 0xF5 /* 2 data bytes */
#define FM_REPORT_VERSION 0xF9  /* 0 data bytes as a query, 2 in the reply */
#define FM_SYSTEM_RESET 0xFF
#define FM_START_SYSEX 0xF0
#define FM_END_SYSEX 0xF7

/* Firmata sysex commands. */
#define FM_ANALOG_MAPPING_QUERY 0x69
#define FM_ANALOG_MAPPING_RESPONSE 0x6A
#define FM_CAPABILITY_QUERY 0x6B
#define FM_CAPABILITY_RESPONSE 0x6C
#define FM_PIN_STATE_QUERY 0x6D
#define FM_PIN_STATE_RESPONSE 0x6E
#define FM_STRING_DATA 0x71
#define FM_REPORT_FIRMWARE 0x79
#define FM_SAMPLING_INTERVAL 0x7A

/* Firmata pin modes. */
#define FM_MODE_INPUT 0x00
#define FM_MODE_OUTPUT 0x01
#define FM_MODE_ANALOG 0x02
#define FM_MODE_PULLUP 0x0B

/* ecg-edge sysex messages (Firmata's user-defined range 0x01..0x0F). Every one ends with a CRC. */
#define ECG_SYSEX_COMMAND 0x01 /* host -> board */
#define ECG_SYSEX_BLOCK 0x02   /* board -> host: samples */
#define ECG_SYSEX_INFO 0x03    /* board -> host: identity, rate, scaling */
#define ECG_SYSEX_REPLY 0x04   /* board -> host: command status, pong */

/* ECG_SYSEX_COMMAND opcodes. */
#define ECG_OP_IDENTIFY 0x01
#define ECG_OP_START 0x02
#define ECG_OP_STOP 0x03
#define ECG_OP_SET_RATE 0x04
#define ECG_OP_PING 0x05
#define ECG_OP_SET_OUTPUT 0x06
#define ECG_OP_TEST_HANG 0x7E /* diagnostic: spin until the watchdog resets the board */

/* SET_OUTPUT targets. */
#define ECG_OUT_LED 0
#define ECG_OUT_BUZZER 1
#define ECG_OUT_SDN 2

/* ECG_SYSEX_REPLY status codes. */
#define ECG_ST_OK 0
#define ECG_ST_BAD_CRC 1
#define ECG_ST_BAD_ARG 2
#define ECG_ST_UNKNOWN_OP 3
#define ECG_ST_BAD_LENGTH 4

/* ECG_SYSEX_BLOCK flag bits. */
#define ECG_FLAG_LO_PLUS 0x01  /* LO+ high during at least one sample of the block */
#define ECG_FLAG_LO_MINUS 0x02 /* LO- high during at least one sample of the block */
#define ECG_FLAG_SHUTDOWN 0x04 /* AD8232 held in shutdown (SDN low) */
#define ECG_FLAG_OVERRUN 0x08  /* the board dropped block(s) before this one: its TX could not keep up */

/* ECG_SYSEX_INFO status bits. */
#define ECG_INFO_STREAMING 0x01
#define ECG_INFO_BOOT 0x02 /* unsolicited, sent once after a reset */

/* ECG_SYSEX_INFO reset-cause bits (a copy of MCUSR's low four bits). */
#define ECG_RESET_POWER_ON 0x01
#define ECG_RESET_EXTERNAL 0x02
#define ECG_RESET_BROWN_OUT 0x04
#define ECG_RESET_WATCHDOG 0x08

#define ECG_BLOCK_MAX_SAMPLES 16
#define ECG_SYSEX_MAX 64 /* largest sysex body (between F0 and F7) the parser keeps */

/* CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR. */
uint16_t ecg_crc16_update(uint16_t crc, uint8_t byte);
uint16_t ecg_crc16(const uint8_t *data, size_t n);

typedef struct {
  uint8_t fw_major, fw_minor, fw_patch;
  uint16_t rate_hz;
  uint8_t adc_bits;
  uint8_t block_samples;
  uint8_t status;      /* ECG_INFO_* bits */
  uint8_t reset_cause; /* ECG_RESET_* bits */
  uint16_t vref_mv;    /* ADC reference, millivolts */
  uint16_t gain;       /* front-end gain (AD8232 total), V/V */
  uint16_t offset_mv;  /* front-end output for a 0 mV input (AD8232 REFOUT) */
  const char *board;   /* ASCII, at most 24 characters are sent */
} ecg_info_t;

/* Frame builders: write a complete message F0 .. F7 into out and return its length, or 0 when it does not
 * fit in cap or an argument is out of range. */
size_t ecg_frame_block(uint8_t *out, size_t cap, uint32_t seq, uint8_t flags, const uint16_t *samples, uint8_t n);
size_t ecg_frame_info(uint8_t *out, size_t cap, const ecg_info_t *info);
size_t ecg_frame_reply(uint8_t *out, size_t cap, uint8_t op, uint8_t status, const uint8_t *extra, uint8_t n);
size_t ecg_frame_command(uint8_t *out, size_t cap, uint8_t op, const uint8_t *args, uint8_t n);

/* Checks the CRC of an ecg-edge sysex body (the bytes between F0 and F7: id, payload, 3 CRC bytes).
 * Returns the payload length (without id and CRC), or -1 when the body is too short, holds a byte >= 0x80
 * or the CRC does not match. */
int ecg_sysex_check(const uint8_t *body, size_t n);

/* Incremental Firmata parser for the bytes the board receives. */
typedef struct {
  uint8_t cmd;  /* command byte with the channel bits cleared (0x90, 0xF4, 0xF0 ...) */
  uint8_t chan; /* low nibble for 0x80..0xEF commands */
  uint8_t len;  /* data bytes collected (sysex: body length) */
  uint8_t need; /* data bytes expected for non-sysex commands */
  uint8_t in_msg, in_sysex, overflow;
  uint8_t data[ECG_SYSEX_MAX];
} fm_parser_t;

void fm_parser_init(fm_parser_t *p);
/* Feeds one byte; returns 1 when a complete message is available in p (cmd, chan, data, len); sysex
 * messages have cmd FM_START_SYSEX, data = body, and overflow set when the body was longer than
 * ECG_SYSEX_MAX (its tail is lost). */
int fm_parser_feed(fm_parser_t *p, uint8_t byte);

#ifdef __cplusplus
}
#endif
#endif
