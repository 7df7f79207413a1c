// A tiny allocation-free test harness for the core's unit tests (host and emulated targets alike).
#pragma once
#include <cstdio>

namespace ecg_test {
struct Case { const char* name; void (*fn)(); Case* next; };
Case*& registry();
int& failures();
struct Registrar { Case c; Registrar(const char* n, void (*f)()) : c{n, f, nullptr} { c.next = registry(); registry() = &c; } };
}  // namespace ecg_test

#define ECG_TEST(name)                                                      \
  static void name();                                                       \
  static ::ecg_test::Registrar name##_registrar(#name, &name);              \
  static void name()

#define ECG_CHECK(cond)                                                                 \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);            \
      ++::ecg_test::failures();                                                         \
    }                                                                                   \
  } while (0)
