#include <cstring>
#include "status.h"
#include "test_harness.h"

ECG_TEST(status_messages_are_distinct) {
  ECG_CHECK(std::strcmp(ecg::status_message(ecg::Status::kOk), "ok") == 0);
  ECG_CHECK(std::strcmp(ecg::status_message(ecg::Status::kBadFormat), ecg::status_message(ecg::Status::kOk)) != 0);
}
