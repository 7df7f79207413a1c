/*
 * ecg-edge acquisition firmware: ATmega328P (Arduino Uno/Nano) + AD8232 single-lead ECG front end.
 *
 * - Timer1 (CTC, no prescaler) interrupts at the sampling rate (360 Hz default; 250 and 500 Hz) and
 *   starts one ADC conversion of A0; the ADC interrupt stores the result with the LO+/LO- levels.
 *   Sampling never depends on loop() timing.
 * - Samples are grouped in blocks of BLOCK_N; loop() frames each block as an ecg-edge sysex message
 *   (sequence number, lead-off flags, CRC) and writes it to the UART.
 * - The rest of the link is Firmata (written from the public protocol description), so that Firmata
 *   clients such as johnny-five can drive the LED, buzzer and AD8232 shutdown pins.
 * - A watchdog (1 s) restarts a hung board; the first message after any reset is an unsolicited ECG_INFO
 *   carrying the reset cause.
 * See ../PROTOCOL.md and ../README.md (wiring).
 */
#include <Arduino.h>
#include <avr/interrupt.h>
#include <avr/sleep.h>
#include <avr/wdt.h>

#include "protocol.h"

#define FW_MAJOR 1
#define FW_MINOR 0
#define FW_PATCH 0
#define BOARD_NAME "uno-ad8232"

/* Front-end constants reported to the host (ECG_INFO) so that it can convert ADC counts to millivolts:
 * input_mV = (adc * VREF_MV / 1023 - OFFSET_MV) / GAIN. Override at build time: make FRONTEND_GAIN=1100. */
#ifndef FRONTEND_GAIN
#define FRONTEND_GAIN 500
#endif
#ifndef FRONTEND_OFFSET_MV
#define FRONTEND_OFFSET_MV 1650
#endif
#define VREF_MV 5000

/* Pins (Arduino numbering). */
#define PIN_LO_PLUS 10  /* PB2, AD8232 LO+ (high = electrode off) */
#define PIN_LO_MINUS 11 /* PB3, AD8232 LO- */
#define PIN_SDN 9       /* PB1, AD8232 SDN (low = shutdown) */
#define PIN_LED 13      /* PB5, status LED */
#define PIN_BUZZER 8    /* PB0, active buzzer */
#define ECG_ANALOG_CHANNEL 0 /* A0 = digital pin 14 */
#define TOTAL_PINS 20

#define BLOCK_N 8
#define NBLK 6

/* Saved reset cause; the watchdog is disabled as early as possible after a watchdog reset. */
static uint8_t reset_cause __attribute__((section(".noinit")));
extern "C" void early_init(void) __attribute__((naked, used, section(".init3")));
extern "C" void early_init(void) {
  reset_cause = MCUSR;
  MCUSR = 0;
  wdt_disable();
}

/* Block ring filled by the ADC interrupt. */
static volatile uint16_t blk[NBLK][BLOCK_N];
static volatile uint8_t blk_flags[NBLK];
static volatile uint32_t blk_seq[NBLK];
static volatile uint8_t wr_blk, wr_idx, rd_blk, n_ready, dropping, overrun_pending;
static volatile uint32_t seq_counter;
static volatile uint16_t last_sample;
static volatile uint8_t streaming;

static uint16_t rate_hz = 360;
static fm_parser_t parser;
static uint8_t pin_mode[TOTAL_PINS];
static uint8_t report_ports; /* bit per port (0..2) */
static uint8_t last_port_value[3];
static uint8_t report_analog0;
static uint16_t sampling_interval_ms = 19;
static uint32_t last_analog_report;
static uint8_t txbuf[64];

static uint16_t ocr_for(uint16_t hz) { return (uint16_t)((F_CPU + hz / 2) / hz - 1); }

ISR(TIMER1_COMPA_vect) { ADCSRA |= _BV(ADSC); }

ISR(ADC_vect) {
  uint8_t lo = ADCL;
  uint8_t hi = ADCH;
  uint16_t v = (uint16_t)lo | ((uint16_t)hi << 8);
  uint8_t pins = PINB;
  last_sample = v;
  if (wr_idx == 0) {
    dropping = (n_ready == NBLK);
    if (!dropping) {
      blk_flags[wr_blk] = overrun_pending ? ECG_FLAG_OVERRUN : 0;
      blk_seq[wr_blk] = seq_counter;
    }
  }
  if (!dropping) {
    blk[wr_blk][wr_idx] = v;
    uint8_t f = 0;
    if (pins & _BV(PB2)) f |= ECG_FLAG_LO_PLUS;
    if (pins & _BV(PB3)) f |= ECG_FLAG_LO_MINUS;
    if (!(PORTB & _BV(PB1))) f |= ECG_FLAG_SHUTDOWN;
    blk_flags[wr_blk] |= f;
  }
  if (++wr_idx == BLOCK_N) {
    wr_idx = 0;
    seq_counter++;
    if (dropping) {
      overrun_pending = 1;
    } else {
      overrun_pending = 0;
      wr_blk = (uint8_t)((wr_blk + 1) % NBLK);
      n_ready++;
    }
  }
}

static void sampling_start(void) {
  cli();
  TIMSK1 &= (uint8_t)~_BV(OCIE1A);
  wr_blk = wr_idx = rd_blk = n_ready = 0;
  dropping = overrun_pending = 0;
  seq_counter = 0;
  TCCR1A = 0; /* init() set Timer1 up for PWM */
  TCCR1B = _BV(WGM12) | _BV(CS10);
  OCR1A = ocr_for(rate_hz);
  TCNT1 = 0;
  TIFR1 = _BV(OCF1A);
  TIMSK1 |= _BV(OCIE1A);
  streaming = 1;
  sei();
}

static void sampling_stop(void) {
  cli();
  TIMSK1 &= (uint8_t)~_BV(OCIE1A);
  streaming = 0;
  n_ready = 0;
  sei();
}

static void send(const uint8_t *p, size_t n) {
  if (n) Serial.write(p, n);
}

static void send_info(uint8_t boot) {
  ecg_info_t info;
  info.fw_major = FW_MAJOR;
  info.fw_minor = FW_MINOR;
  info.fw_patch = FW_PATCH;
  info.rate_hz = rate_hz;
  info.adc_bits = 10;
  info.block_samples = BLOCK_N;
  info.status = (uint8_t)((streaming ? ECG_INFO_STREAMING : 0) | (boot ? ECG_INFO_BOOT : 0));
  info.reset_cause = reset_cause & 0x0F;
  info.vref_mv = VREF_MV;
  info.gain = FRONTEND_GAIN;
  info.offset_mv = FRONTEND_OFFSET_MV;
  info.board = BOARD_NAME;
  send(txbuf, ecg_frame_info(txbuf, sizeof txbuf, &info));
}

static void reply(uint8_t op, uint8_t status, const uint8_t *extra, uint8_t n) {
  send(txbuf, ecg_frame_reply(txbuf, sizeof txbuf, op, status, extra, n));
}

static int pin_is_output(uint8_t pin) { return pin < TOTAL_PINS && pin_mode[pin] == FM_MODE_OUTPUT; }

static void set_output(uint8_t pin, uint8_t value) {
  if (pin_mode[pin] != FM_MODE_OUTPUT) {
    pinMode(pin, OUTPUT);
    pin_mode[pin] = FM_MODE_OUTPUT;
  }
  digitalWrite(pin, value ? HIGH : LOW);
}

static void handle_ecg_command(const uint8_t *body, uint8_t len) {
  int n = ecg_sysex_check(body, len);
  uint8_t op = len > 1 ? body[1] : 0;
  if (n < 1) {
    reply(op, n < 0 ? ECG_ST_BAD_CRC : ECG_ST_BAD_LENGTH, 0, 0);
    return;
  }
  const uint8_t *args = body + 2;
  uint8_t nargs = (uint8_t)(n - 1);
  switch (op) {
    case ECG_OP_IDENTIFY:
      send_info(0);
      break;
    case ECG_OP_START:
      /* Idempotent: a repeated START (a host retrying after a lost reply) keeps the running sequence. */
      reply(op, ECG_ST_OK, 0, 0);
      if (!streaming) sampling_start();
      break;
    case ECG_OP_STOP:
      sampling_stop();
      reply(op, ECG_ST_OK, 0, 0);
      break;
    case ECG_OP_SET_RATE: {
      if (nargs != 2) { reply(op, ECG_ST_BAD_LENGTH, 0, 0); break; }
      uint16_t hz = (uint16_t)(args[0] | ((uint16_t)args[1] << 7));
      if (hz != 250 && hz != 360 && hz != 500) { reply(op, ECG_ST_BAD_ARG, args, 2); break; }
      rate_hz = hz;
      if (streaming) OCR1A = ocr_for(rate_hz);
      reply(op, ECG_ST_OK, args, 2);
      break;
    }
    case ECG_OP_PING: {
      if (nargs > 8) { reply(op, ECG_ST_BAD_LENGTH, 0, 0); break; }
      uint8_t extra[12];
      uint8_t k = 0;
      for (uint8_t i = 0; i < nargs; i++) extra[k++] = args[i];
      uint32_t ms = millis();
      for (uint8_t i = 0; i < 4; i++) extra[k++] = (uint8_t)((ms >> (7 * i)) & 0x7F);
      reply(op, ECG_ST_OK, extra, k);
      break;
    }
    case ECG_OP_SET_OUTPUT: {
      if (nargs != 2) { reply(op, ECG_ST_BAD_LENGTH, 0, 0); break; }
      uint8_t pin = args[0] == ECG_OUT_LED ? PIN_LED : args[0] == ECG_OUT_BUZZER ? PIN_BUZZER : args[0] == ECG_OUT_SDN ? PIN_SDN : 0xFF;
      if (pin == 0xFF || args[1] > 1) { reply(op, ECG_ST_BAD_ARG, args, nargs); break; }
      set_output(pin, args[1]);
      reply(op, ECG_ST_OK, args, nargs);
      break;
    }
    case ECG_OP_TEST_HANG:
      if (nargs == 1 && args[0] == 0x5A) {
        Serial.flush();
        cli();
        for (;;) {
        }
      }
      reply(op, ECG_ST_BAD_ARG, 0, 0);
      break;
    default:
      reply(op, ECG_ST_UNKNOWN_OP, 0, 0);
  }
}

/* ---- Firmata ---- */

static void firmata_report_firmware(void) {
  static const char name[] = "ecg-edge";
  Serial.write(FM_START_SYSEX);
  Serial.write(FM_REPORT_FIRMWARE);
  Serial.write(FW_MAJOR);
  Serial.write(FW_MINOR);
  for (const char *c = name; *c; c++) {
    Serial.write((uint8_t)(*c & 0x7F));
    Serial.write((uint8_t)((*c >> 7) & 0x7F));
  }
  Serial.write(FM_END_SYSEX);
}

static int pin_is_reserved(uint8_t pin) { return pin < 2 || pin == 14; }

static void firmata_capabilities(void) {
  Serial.write(FM_START_SYSEX);
  Serial.write(FM_CAPABILITY_RESPONSE);
  for (uint8_t pin = 0; pin < TOTAL_PINS; pin++) {
    if (pin == 14) {
      Serial.write(FM_MODE_ANALOG);
      Serial.write(10);
    } else if (!pin_is_reserved(pin)) {
      Serial.write(FM_MODE_INPUT);
      Serial.write(1);
      Serial.write(FM_MODE_OUTPUT);
      Serial.write(1);
      Serial.write(FM_MODE_PULLUP);
      Serial.write(1);
    }
    Serial.write(0x7F);
  }
  Serial.write(FM_END_SYSEX);
}

static void firmata_analog_mapping(void) {
  Serial.write(FM_START_SYSEX);
  Serial.write(FM_ANALOG_MAPPING_RESPONSE);
  for (uint8_t pin = 0; pin < TOTAL_PINS; pin++) Serial.write(pin == 14 ? ECG_ANALOG_CHANNEL : 0x7F);
  Serial.write(FM_END_SYSEX);
}

static void firmata_pin_state(uint8_t pin) {
  if (pin >= TOTAL_PINS) return;
  uint8_t state = 0;
  if (pin_mode[pin] == FM_MODE_OUTPUT) state = digitalRead(pin);
  else if (pin_mode[pin] == FM_MODE_PULLUP) state = 1;
  Serial.write(FM_START_SYSEX);
  Serial.write(FM_PIN_STATE_RESPONSE);
  Serial.write(pin);
  Serial.write(pin_mode[pin]);
  Serial.write(state & 0x7F);
  Serial.write(FM_END_SYSEX);
}

static void firmata_set_pin_mode(uint8_t pin, uint8_t mode) {
  if (pin >= TOTAL_PINS || pin_is_reserved(pin)) return; /* A0 stays the ECG input */
  switch (mode) {
    case FM_MODE_OUTPUT: pinMode(pin, OUTPUT); break;
    case FM_MODE_INPUT: pinMode(pin, INPUT); break;
    case FM_MODE_PULLUP: pinMode(pin, INPUT_PULLUP); break;
    default: return;
  }
  pin_mode[pin] = mode;
}

static uint8_t port_inputs(uint8_t port) {
  uint8_t v = 0;
  for (uint8_t i = 0; i < 8; i++) {
    uint8_t pin = (uint8_t)(port * 8 + i);
    if (pin >= TOTAL_PINS) break;
    if ((pin_mode[pin] == FM_MODE_INPUT || pin_mode[pin] == FM_MODE_PULLUP) && digitalRead(pin)) v |= (uint8_t)(1 << i);
  }
  return v;
}

static void firmata_send_port(uint8_t port, uint8_t v) {
  Serial.write((uint8_t)(FM_DIGITAL_MESSAGE | port));
  Serial.write((uint8_t)(v & 0x7F));
  Serial.write((uint8_t)(v >> 7));
}

static void firmata_digital_port(uint8_t port, uint8_t v) {
  for (uint8_t i = 0; i < 8; i++) {
    uint8_t pin = (uint8_t)(port * 8 + i);
    if (pin < TOTAL_PINS && pin_is_output(pin)) digitalWrite(pin, (v >> i) & 1 ? HIGH : LOW);
  }
}

static void reset_pins(void) {
  for (uint8_t pin = 0; pin < TOTAL_PINS; pin++) pin_mode[pin] = 0x7F;
  pinMode(PIN_LO_PLUS, INPUT);
  pinMode(PIN_LO_MINUS, INPUT);
  pin_mode[PIN_LO_PLUS] = pin_mode[PIN_LO_MINUS] = FM_MODE_INPUT;
  set_output(PIN_SDN, 1); /* AD8232 running */
  set_output(PIN_LED, 0);
  set_output(PIN_BUZZER, 0);
  pin_mode[14] = FM_MODE_ANALOG;
  report_ports = 0;
  report_analog0 = 0;
}

static void handle_message(void) {
  const uint8_t *d = parser.data;
  switch (parser.cmd) {
    case FM_REPORT_VERSION:
      Serial.write(FM_REPORT_VERSION);
      Serial.write(2);
      Serial.write(6);
      break;
    case FM_SYSTEM_RESET:
      sampling_stop();
      reset_pins();
      break;
    case FM_SET_PIN_MODE: firmata_set_pin_mode(d[0], d[1]); break;
    case FM_SET_DIGITAL_PIN:
      if (d[0] < TOTAL_PINS && pin_is_output(d[0])) digitalWrite(d[0], d[1] ? HIGH : LOW);
      break;
    case FM_DIGITAL_MESSAGE:
      if (parser.chan < 3) firmata_digital_port(parser.chan, (uint8_t)(d[0] | (d[1] << 7)));
      break;
    case FM_REPORT_DIGITAL:
      if (parser.chan < 3) {
        if (d[0]) {
          report_ports |= (uint8_t)(1 << parser.chan);
          last_port_value[parser.chan] = port_inputs(parser.chan);
          firmata_send_port(parser.chan, last_port_value[parser.chan]);
        } else {
          report_ports &= (uint8_t)~(1 << parser.chan);
        }
      }
      break;
    case FM_REPORT_ANALOG:
      if (parser.chan == ECG_ANALOG_CHANNEL) report_analog0 = d[0] ? 1 : 0;
      break;
    case FM_START_SYSEX:
      if (parser.overflow || parser.len == 0) break;
      switch (d[0]) {
        case ECG_SYSEX_COMMAND: handle_ecg_command(d, parser.len); break;
        case FM_REPORT_FIRMWARE: firmata_report_firmware(); break;
        case FM_CAPABILITY_QUERY: firmata_capabilities(); break;
        case FM_ANALOG_MAPPING_QUERY: firmata_analog_mapping(); break;
        case FM_PIN_STATE_QUERY:
          if (parser.len >= 2) firmata_pin_state(d[1]);
          break;
        case FM_SAMPLING_INTERVAL:
          if (parser.len >= 3) sampling_interval_ms = (uint16_t)(d[1] | (d[2] << 7));
          if (sampling_interval_ms < 10) sampling_interval_ms = 10;
          break;
        default: break;
      }
      break;
    default: break;
  }
}

/* Frames and sends one ready block; returns 0 when none is ready. */
static uint8_t send_one_block(void) {
  if (!n_ready) return 0;
  uint16_t s[BLOCK_N];
  uint8_t b = rd_blk;
  for (uint8_t i = 0; i < BLOCK_N; i++) s[i] = blk[b][i];
  uint8_t flags = blk_flags[b];
  uint32_t seq;
  cli();
  seq = blk_seq[b];
  sei();
  size_t n = ecg_frame_block(txbuf, sizeof txbuf, seq, flags, s, BLOCK_N);
  cli();
  rd_blk = (uint8_t)((rd_blk + 1) % NBLK);
  n_ready--;
  sei();
  send(txbuf, n);
  return 1;
}

void setup() {
  Serial.begin(115200);
  parser.cmd = 0;
  fm_parser_init(&parser);
  reset_pins();
  /* ADC: AVCC reference, channel 0, enabled, interrupt on completion, clock F_CPU/128. */
  ADMUX = _BV(REFS0) | ECG_ANALOG_CHANNEL;
  ADCSRA = _BV(ADEN) | _BV(ADIE) | _BV(ADPS2) | _BV(ADPS1) | _BV(ADPS0);
  wdt_enable(WDTO_1S);
  send_info(1);
}

void loop() {
  wdt_reset();
  uint8_t busy = 0;
  while (Serial.available() > 0) {
    if (fm_parser_feed(&parser, (uint8_t)Serial.read())) handle_message();
    busy = 1;
  }
  if (streaming) busy |= send_one_block();
  if (report_ports) {
    for (uint8_t port = 0; port < 3; port++) {
      if (!(report_ports & (1 << port))) continue;
      uint8_t v = port_inputs(port);
      if (v != last_port_value[port]) {
        last_port_value[port] = v;
        firmata_send_port(port, v);
      }
    }
  }
  if (report_analog0 && streaming && (uint32_t)(millis() - last_analog_report) >= sampling_interval_ms) {
    last_analog_report = millis();
    uint16_t v = last_sample;
    Serial.write((uint8_t)(FM_ANALOG_MESSAGE | ECG_ANALOG_CHANNEL));
    Serial.write((uint8_t)(v & 0x7F));
    Serial.write((uint8_t)(v >> 7));
  }
  if (!busy) {
    /* Idle until the next interrupt (Timer0 tick, sample, UART). */
    set_sleep_mode(SLEEP_MODE_IDLE);
    cli();
    if (!n_ready && !Serial.available()) {
      sleep_enable();
      sei();
      sleep_cpu();
      sleep_disable();
    }
    sei();
  }
}
