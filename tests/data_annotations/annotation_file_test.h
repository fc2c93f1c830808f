// A temporary folder per test, and writing annotation files into it.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "support/temporary_folder.h"

namespace vdep::test {

class AnnotationFileTest : public TemporaryFolderTest {
 protected:
  // Hides TemporaryFolderTest::write: the text comes first, the file name is mostly the default.
  std::filesystem::path write(const std::string& text, const std::string& name = "annotations.json") const {
    return TemporaryFolderTest::write(name, text);
  }
};

}  // namespace vdep::test
