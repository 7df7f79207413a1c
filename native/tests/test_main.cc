// Runs every registered ECG_TEST, prints one line per test and a closing "N passed, N failed".
#include <cstring>
#include "test_harness.h"

namespace ecg_test {
Case*& registry() { static Case* head = nullptr; return head; }
int& failures() { static int n = 0; return n; }
}  // namespace ecg_test

int main(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int passed = 0, failed = 0;
  for (ecg_test::Case* c = ecg_test::registry(); c; c = c->next) {
    if (filter && !std::strstr(c->name, filter)) continue;
    const int before = ecg_test::failures();
    c->fn();
    const bool ok = ecg_test::failures() == before;
    std::printf("%s %s\n", ok ? "ok  " : "FAIL", c->name);
    (ok ? passed : failed)++;
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
