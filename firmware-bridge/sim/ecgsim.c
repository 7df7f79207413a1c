/*
 * ecgsim: the simulated ecg-edge board. Runs the real firmware .elf as an ATmega328P at 16 MHz on
 * libsimavr and wires it to the outside world:
 *   - ADC0 follows an ECG record (already scaled to the AD8232's output, in millivolts, by the host:
 *     see src/acquisition/sim-input.ts). At each conversion the firmware starts, the harness feeds the
 *     record sample nearest to that conversion's simulated time (time 0 = the first conversion).
 *   - LO+ (PB2 / D10) and LO- (PB3 / D11) are driven from stdin commands.
 *   - The UART is bridged to a pseudo-terminal whose slave is symlinked at --pty; output pins (LED,
 *     buzzer, SDN, any Firmata output) are reported on stdout as they change.
 *   - The simulation is throttled to --speed x real time.
 *   - Faults for tests: corrupted, dropped and inserted bytes, a paused CPU, an unplugged pty.
 * stdin commands (one per line), each acknowledged with "ok <command> conv=<n> cycle=<c>":
 *   lo+ 0|1, lo- 0|1, corrupt <n>, drop <bytes>, garbage <bytes>, pause <ms>, unplug <ms>, stats, quit
 * stdout events: "ready pty=<path> tty=<dev>", "pin <arduino pin> <0|1> conv=<n>", "replugged pty=<path>",
 *   "stats ...", "wrap" (record restarted), "exit ...". End of stdin or SIGINT/SIGTERM stops it cleanly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "avr_adc.h"
#include "avr_ioport.h"
#include "avr_uart.h"
#include "sim_avr.h"
#include "sim_elf.h"
#include "sim_irq.h"

#define F_SIM 16000000ULL
#define POLL_CYCLES 16000ULL /* 1 ms of simulated time */
#define OUT_CAP (1u << 20)
#define IN_CAP 4096u

static avr_t *avr;
static volatile sig_atomic_t stop_flag;

/* record */
static uint16_t *rec_mv;
static uint64_t rec_n;
static uint64_t rec_fs_milli;
static int rec_loop = 1;
static int have_origin;
static avr_cycle_count_t origin;
static uint64_t conv_count, last_wrap;

/* pty bridge */
static const char *pty_path;
static int pty_master = -1, pty_slave = -1;
static char pty_name[128];
static uint8_t *outq;
static size_t out_head, out_len;
static uint8_t inq[IN_CAP];
static size_t in_head, in_len;
static int uart_blocked;
static avr_irq_t *uart_in_irq;
static uint64_t bytes_tx, bytes_rx, bytes_lost_unplugged, bytes_lost_overflow;

/* faults */
static int corrupt_pending, drop_pending_bytes, drop_now, garbage_pending;
static int frame_pos = -1, frame_is_block;
static uint64_t corrupted, dropped, inserted;
static double unplug_until, pause_until;

/* pins */
static avr_irq_t *lo_irq[2];
static int lo_level[2];
static int pin_last[20];

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void on_signal(int sig) {
  (void)sig;
  stop_flag = 1;
}

static void die(const char *msg) {
  fprintf(stderr, "ecgsim: %s\n", msg);
  exit(2);
}

static void load_input(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "ecgsim: cannot open input %s: %s\n", path, strerror(errno));
    exit(2);
  }
  char magic[8];
  uint32_t fs_milli, n;
  if (fread(magic, 1, 8, f) != 8 || memcmp(magic, "ECGSIM01", 8) != 0 || fread(&fs_milli, 4, 1, f) != 1 ||
      fread(&n, 4, 1, f) != 1 || n == 0 || fs_milli == 0)
    die("input is not an ECGSIM01 file (write it with `ecg-edge board simulate` or src/acquisition/sim-input.ts)");
  rec_mv = malloc(sizeof(uint16_t) * n);
  if (!rec_mv || fread(rec_mv, sizeof(uint16_t), n, f) != n) die("input file is truncated");
  fclose(f);
  rec_n = n;
  rec_fs_milli = fs_milli;
}

/* ---- pty ---- */

static void pty_open(void) {
  if (openpty(&pty_master, &pty_slave, pty_name, NULL, NULL) != 0) {
    fprintf(stderr, "ecgsim: openpty failed: %s\n", strerror(errno));
    exit(2);
  }
  struct termios t;
  tcgetattr(pty_slave, &t);
  cfmakeraw(&t);
  tcsetattr(pty_slave, TCSANOW, &t);
  fcntl(pty_master, F_SETFL, fcntl(pty_master, F_GETFL) | O_NONBLOCK);
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp%d", pty_path, (int)getpid());
  unlink(tmp);
  if (symlink(pty_name, tmp) != 0 || rename(tmp, pty_path) != 0) {
    fprintf(stderr, "ecgsim: cannot create the link %s -> %s: %s\n", pty_path, pty_name, strerror(errno));
    exit(2);
  }
  out_head = out_len = 0;
}

static void pty_close(void) {
  if (pty_master >= 0) close(pty_master);
  if (pty_slave >= 0) close(pty_slave);
  pty_master = pty_slave = -1;
  unlink(pty_path);
}

/* ---- UART ---- */

static void out_push(uint8_t b) {
  if (pty_master < 0) {
    bytes_lost_unplugged++;
    return;
  }
  if (out_len >= OUT_CAP) {
    bytes_lost_overflow++;
    return;
  }
  outq[(out_head + out_len) % OUT_CAP] = b;
  out_len++;
}

static void uart_out_cb(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  (void)param;
  uint8_t b = (uint8_t)value;
  bytes_tx++;
  /* Track the position inside sysex frames so that faults land inside a sample block's data. */
  if (b == 0xF0) {
    frame_pos = 0;
    frame_is_block = 0;
  } else if (frame_pos >= 0) {
    frame_pos++;
    if (frame_pos == 1) frame_is_block = (b == 0x02);
    if (b == 0xF7) frame_pos = -1;
  }
  if (frame_is_block && frame_pos == 9) {
    if (corrupt_pending > 0) {
      corrupt_pending--;
      corrupted++;
      b ^= 0x01;
    } else if (drop_pending_bytes > 0) {
      drop_now = drop_pending_bytes;
      drop_pending_bytes = 0;
    }
  }
  if (drop_now > 0) {
    drop_now--;
    dropped++;
    return;
  }
  out_push(b);
  if (b == 0xF7 && garbage_pending > 0) {
    for (; garbage_pending > 0; garbage_pending--, inserted++) out_push((uint8_t)(0x55 ^ (inserted & 0x0F)));
  }
}

static void uart_xon_cb(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  (void)value;
  (void)param;
  uart_blocked = 0;
}
static void uart_xoff_cb(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  (void)value;
  (void)param;
  uart_blocked = 1;
}

static void pump_pty(void) {
  if (pty_master < 0) return;
  while (out_len > 0) {
    size_t chunk = out_len;
    if (out_head + chunk > OUT_CAP) chunk = OUT_CAP - out_head;
    ssize_t w = write(pty_master, outq + out_head, chunk);
    if (w <= 0) break;
    out_head = (out_head + (size_t)w) % OUT_CAP;
    out_len -= (size_t)w;
  }
  while (in_len < IN_CAP) {
    uint8_t buf[256];
    size_t room = IN_CAP - in_len;
    ssize_t r = read(pty_master, buf, room < sizeof buf ? room : sizeof buf);
    if (r <= 0) break;
    for (ssize_t i = 0; i < r; i++) inq[(in_head + in_len++) % IN_CAP] = buf[i];
    bytes_rx += (uint64_t)r;
  }
  while (in_len > 0 && !uart_blocked) {
    uint8_t b = inq[in_head];
    in_head = (in_head + 1) % IN_CAP;
    in_len--;
    avr_raise_irq(uart_in_irq, b);
  }
}

/* ---- ADC ---- */

static void adc_trigger_cb(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  avr_irq_t *adc_irqs = (avr_irq_t *)param;
  union {
    avr_adc_mux_t mux;
    uint32_t v;
  } e = {.v = value};
  if (e.mux.kind != ADC_MUX_SINGLE || e.mux.src != 0) return;
  if (!have_origin) {
    have_origin = 1;
    origin = avr->cycle;
  }
  /* nearest record sample to this conversion's time: round(dt_cycles * fs / F_SIM) */
  uint64_t dt = avr->cycle - origin;
  uint64_t idx = (dt * rec_fs_milli + F_SIM * 500ULL) / (F_SIM * 1000ULL);
  if (idx >= rec_n) {
    if (rec_loop) {
      uint64_t wraps = idx / rec_n;
      if (wraps != last_wrap) {
        last_wrap = wraps;
        printf("wrap conv=%llu\n", (unsigned long long)conv_count);
        fflush(stdout);
      }
      idx %= rec_n;
    } else {
      idx = rec_n - 1;
    }
  }
  avr_raise_irq(adc_irqs + ADC_IRQ_ADC0, rec_mv[idx]);
  conv_count++;
}

/* ---- pins ---- */

static void pin_cb(struct avr_irq_t *irq, uint32_t value, void *param) {
  (void)irq;
  int pin = (int)(intptr_t)param;
  if (pin == 10 || pin == 11 || pin < 2) return; /* driven by the harness / UART */
  if (pin_last[pin] == (int)value) return;
  pin_last[pin] = (int)value;
  printf("pin %d %u conv=%llu cycle=%llu\n", pin, value, (unsigned long long)conv_count, (unsigned long long)avr->cycle);
  fflush(stdout);
}

static void set_lead(int which, int level) {
  lo_level[which] = level ? 1 : 0;
  avr_ioport_external_t ext = {.name = 'B', .mask = (1 << 2) | (1 << 3), .value = (uint8_t)((lo_level[0] << 2) | (lo_level[1] << 3))};
  avr_ioctl(avr, AVR_IOCTL_IOPORT_SET_EXTERNAL('B'), &ext);
  avr_raise_irq(lo_irq[which], lo_level[which]);
}

/* ---- control ---- */

static char line[256];
static size_t line_len;

static void print_stats(const char *tag) {
  printf("%s conv=%llu cycle=%llu sim_s=%.3f tx=%llu rx=%llu corrupted=%llu dropped=%llu inserted=%llu "
         "lost_unplugged=%llu lost_overflow=%llu queued=%zu\n",
         tag, (unsigned long long)conv_count, (unsigned long long)avr->cycle, (double)avr->cycle / F_SIM,
         (unsigned long long)bytes_tx, (unsigned long long)bytes_rx, (unsigned long long)corrupted,
         (unsigned long long)dropped, (unsigned long long)inserted, (unsigned long long)bytes_lost_unplugged,
         (unsigned long long)bytes_lost_overflow, out_len);
  fflush(stdout);
}

static void command(char *cmd) {
  char name[32] = "";
  long arg = 0;
  int n = sscanf(cmd, "%31s %ld", name, &arg);
  if (n < 1) return;
  int ok = 1;
  if (!strcmp(name, "lo+") && n == 2) set_lead(0, (int)arg);
  else if (!strcmp(name, "lo-") && n == 2) set_lead(1, (int)arg);
  else if (!strcmp(name, "corrupt") && n == 2 && arg > 0) corrupt_pending += (int)arg;
  else if (!strcmp(name, "drop") && n == 2 && arg > 0 && arg <= 12) drop_pending_bytes = (int)arg;
  else if (!strcmp(name, "garbage") && n == 2 && arg > 0 && arg <= 64) garbage_pending += (int)arg;
  else if (!strcmp(name, "pause") && n == 2 && arg > 0) pause_until = now_s() + arg / 1000.0;
  else if (!strcmp(name, "unplug") && n == 2 && arg > 0) {
    pty_close();
    unplug_until = now_s() + arg / 1000.0;
  } else if (!strcmp(name, "stats")) print_stats("stats");
  else if (!strcmp(name, "quit")) stop_flag = 1;
  else ok = 0;
  if (ok)
    printf("ok %s conv=%llu cycle=%llu\n", cmd, (unsigned long long)conv_count, (unsigned long long)avr->cycle);
  else
    printf("error unknown or malformed command: %s (commands: lo+ 0|1, lo- 0|1, corrupt N, drop N<=12, garbage N<=64, "
           "pause MS, unplug MS, stats, quit)\n",
           cmd);
  fflush(stdout);
}

static void poll_stdin(void) {
  char buf[256];
  for (;;) {
    ssize_t r = read(0, buf, sizeof buf);
    if (r == 0) {
      stop_flag = 1; /* parent went away */
      return;
    }
    if (r < 0) return;
    for (ssize_t i = 0; i < r; i++) {
      if (buf[i] == '\n') {
        line[line_len] = 0;
        if (line_len && line[line_len - 1] == '\r') line[line_len - 1] = 0;
        command(line);
        line_len = 0;
      } else if (line_len < sizeof line - 1) {
        line[line_len++] = buf[i];
      }
    }
  }
}

static void no_sleep(avr_t *a, avr_cycle_count_t how_long) {
  (void)a;
  (void)how_long;
}

static void usage(void) {
  fprintf(stderr,
          "usage: ecgsim --elf <firmware.elf> --input <record.ecgsim> --pty <link path> [--speed X] [--no-loop]\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *elf_path = NULL, *input = NULL;
  double speed = 1.0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--elf") && i + 1 < argc) elf_path = argv[++i];
    else if (!strcmp(argv[i], "--input") && i + 1 < argc) input = argv[++i];
    else if (!strcmp(argv[i], "--pty") && i + 1 < argc) pty_path = argv[++i];
    else if (!strcmp(argv[i], "--speed") && i + 1 < argc) speed = atof(argv[++i]);
    else if (!strcmp(argv[i], "--no-loop")) rec_loop = 0;
    else usage();
  }
  if (!elf_path || !input || !pty_path || !(speed > 0)) usage();
  load_input(input);
  outq = malloc(OUT_CAP);
  if (!outq) die("out of memory");

  elf_firmware_t fw;
  memset(&fw, 0, sizeof fw);
  if (elf_read_firmware(elf_path, &fw) != 0) {
    fprintf(stderr, "ecgsim: cannot read firmware %s (build it with `npm run firmware:build`)\n", elf_path);
    return 2;
  }
  avr = avr_make_mcu_by_name("atmega328p");
  if (!avr) die("simavr has no atmega328p core");
  avr_init(avr);
  avr->log = 1; /* errors only */
  avr_load_firmware(avr, &fw);
  avr->frequency = (uint32_t)F_SIM;
  avr->vcc = avr->avcc = avr->aref = 5000;
  avr->sleep = no_sleep;

  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGPIPE, SIG_IGN);
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);

  /* UART0 <-> pty */
  uint32_t flags = 0;
  avr_ioctl(avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
  flags &= ~(uint32_t)(AVR_UART_FLAG_STDIO | AVR_UART_FLAG_POLL_SLEEP);
  avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), uart_out_cb, NULL);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XON), uart_xon_cb, NULL);
  avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XOFF), uart_xoff_cb, NULL);
  uart_in_irq = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);

  /* ADC */
  avr_irq_t *adc_irqs = avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, 0);
  avr_irq_register_notify(adc_irqs + ADC_IRQ_OUT_TRIGGER, adc_trigger_cb, adc_irqs);

  /* pins: outputs reported, LO+/LO- driven */
  for (int i = 0; i < 20; i++) pin_last[i] = -1;
  const char ports[3] = {'D', 'B', 'C'};
  for (int p = 0; p < 3; p++)
    for (int b = 0; b < 8; b++) {
      int pin = p * 8 + b;
      if (pin >= 20 || (p == 2 && b > 5)) continue;
      avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(ports[p]), b), pin_cb, (void *)(intptr_t)pin);
    }
  lo_irq[0] = avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('B'), 2);
  lo_irq[1] = avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('B'), 3);
  set_lead(0, 0);
  set_lead(1, 0);

  pty_open();
  printf("ready pty=%s tty=%s speed=%g fs=%.3f samples=%llu\n", pty_path, pty_name, speed, rec_fs_milli / 1000.0,
         (unsigned long long)rec_n);
  fflush(stdout);

  double wall0 = now_s();
  avr_cycle_count_t cyc0 = avr->cycle, next_poll = avr->cycle + POLL_CYCLES;
  int state = cpu_Running;
  while (!stop_flag) {
    state = avr_run(avr);
    if (state == cpu_Done || state == cpu_Crashed) break;
    if (avr->cycle < next_poll) continue;
    next_poll = avr->cycle + POLL_CYCLES;
    pump_pty();
    poll_stdin();
    double now = now_s();
    if (unplug_until > 0 && now >= unplug_until) {
      unplug_until = 0;
      pty_open();
      printf("replugged pty=%s tty=%s\n", pty_path, pty_name);
      fflush(stdout);
    }
    if (pause_until > 0) {
      while (!stop_flag && now_s() < pause_until) {
        usleep(2000);
        pump_pty();
        poll_stdin();
      }
      pause_until = 0;
      wall0 = now_s();
      cyc0 = avr->cycle;
      continue;
    }
    double target = wall0 + (double)(avr->cycle - cyc0) / F_SIM / speed;
    if (target > now + 0.0005) {
      struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)((target - now) * 1e9)};
      if (ts.tv_nsec > 999999999L) ts.tv_nsec = 999999999L;
      nanosleep(&ts, NULL);
    } else if (now - target > 1.0) {
      wall0 = now; /* far behind (busy host): do not burst to catch up */
      cyc0 = avr->cycle;
    }
  }
  /* flush what the host can still take */
  pump_pty();
  print_stats(state == cpu_Crashed ? "exit crashed" : "exit");
  pty_close();
  avr_terminate(avr);
  return state == cpu_Crashed ? 1 : 0;
}
