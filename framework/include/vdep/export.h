// Marks the SDK's classes as visible from libvdep, so that plugins built with hidden visibility
// share their type information and vtables with the host (dynamic_cast, exceptions).
#pragma once

#define VDEP_API __attribute__((visibility("default")))
