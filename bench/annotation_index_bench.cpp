// annotation_index_bench: indexing and reading a LLaVA annotation file the size of
// llava_v1_5_mix665k.json (about 1 GB, 665K records).
//
//   build/bin/annotation_index_bench [--size-mb 1024] [--jsonl] [--file PATH]
//
// Without --file, writes a synthetic mix665k-like file into the temporary folder and removes it
// afterwards: mostly image records with several short turns, some long text-only records with a
// "model" key, some numeric ids, escapes and non-ASCII text; an array indented as LLaVA ships it, or
// JSON lines with --jsonl. Prints open()'s throughput, the time to parse every record, and the peak
// resident memory (VmHWM, reset between phases) of each phase next to the file's size. open() and
// validate_all() hand the pages behind them back; reading by record(i) leaves them mapped. The file was
// just written, so it is in the page cache: these are warm-cache figures.
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <vdep/llava_annotations.h>

#include "measurement.h"

namespace {

using vdep::bench::reset_peak_resident;
using vdep::bench::seconds_since;
using vdep::bench::status_kib;

class SyntheticRecords {
 public:
  nlohmann::json next(std::size_t index) {
    nlohmann::json record;
    const bool text_only = index % 100 < 6;  // mix665k: 40K ShareGPT conversations of 665K
    record["id"] = index % 10 == 3 ? nlohmann::json(index) : nlohmann::json(id_text(index));
    if (text_only) {
      record["model"] = "";
    } else {
      record["image"] = std::string(kFolders[index % kFolders.size()]) + "/" + id_text(index) + ".jpg";
    }
    nlohmann::json turns = nlohmann::json::array();
    const std::size_t rounds = text_only ? 1 + random_() % 3 : 1 + random_() % 6;
    for (std::size_t r = 0; r < rounds; ++r) {
      std::string question = (r == 0 && !text_only ? "<image>\n" : "") + words(text_only ? 60 : 12);
      turns.push_back({{"from", "human"}, {"value", question}});
      turns.push_back({{"from", "gpt"}, {"value", words(text_only ? 300 : 25)}});
    }
    record["conversations"] = std::move(turns);
    return record;
  }

 private:
  static constexpr std::array<const char*, 5> kFolders = {"coco/train2017", "gqa/images", "ocr_vqa/images",
                                                          "textvqa/train_images", "vg/VG_100K"};

  static std::string id_text(std::size_t index) {
    std::string text = std::to_string(index);
    return std::string(text.size() < 12 ? 12 - text.size() : 0, '0') + text;
  }

  std::string words(std::size_t mean) {
    static const std::vector<std::string> vocabulary = {
        "the", "bus", "is", "white", "and", "red", "in", "image", "a", "of", "what", "color", "man", "standing",
        "next", "to", "\"quoted\"", "back\\slash", "café", "日本語", "line\nbreak", "{braces}", "[brackets]",
        "tab\there", "there", "are", "two", "people", "on", "street", "sign", "reads", "OCR:", "1984"};
    std::string text;
    for (std::size_t n = mean / 2 + random_() % (mean + 1); n > 0; --n) {
      if (!text.empty()) text += ' ';
      text += vocabulary[random_() % vocabulary.size()];
    }
    return text;
  }

  std::mt19937_64 random_{665};
};

// Records until the file reaches `bytes`; returns how many were written.
std::size_t write_synthetic_file(const std::filesystem::path& path, std::size_t bytes, bool json_lines) {
  std::ofstream out(path, std::ios::binary);
  SyntheticRecords records;
  std::size_t count = 0;
  std::size_t written = 0;
  if (!json_lines) out << "[\n";
  while (written < bytes) {
    std::string text;
    if (json_lines) {
      text = records.next(count).dump() + "\n";
    } else {
      // Python's json.dump(indent=4) layout: each record indented one level inside the array.
      const std::string record = records.next(count).dump(4);
      text = count == 0 ? "    " : ",\n    ";
      for (const char c : record) {
        text += c;
        if (c == '\n') text += "    ";
      }
    }
    out << text;
    written += text.size();
    ++count;
  }
  if (!json_lines) out << "\n]\n";
  return count;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t size_mb = 1024;
  bool json_lines = false;
  std::string file;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--jsonl") {
      json_lines = true;
    } else if (flag == "--size-mb" && i + 1 < argc) {
      size_mb = std::stoul(argv[++i]);
    } else if (flag == "--file" && i + 1 < argc) {
      file = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--size-mb N] [--jsonl] [--file PATH]\n", argv[0]);
      return 2;
    }
  }

  const bool synthetic = file.empty();
  std::filesystem::path path = file;
  if (synthetic) {
    path = std::filesystem::temp_directory_path() /
           ("vdep-annotation-bench-" + std::to_string(::getpid()) + (json_lines ? ".jsonl" : ".json"));
    const auto start = std::chrono::steady_clock::now();
    const std::size_t count = write_synthetic_file(path, size_mb << 20, json_lines);
    std::printf("wrote %zu records to %s in %.1f s\n", count, path.c_str(), seconds_since(start));
  }
  const double file_mib = static_cast<double>(std::filesystem::file_size(path)) / (1 << 20);

  try {
    const bool peak_per_phase = reset_peak_resident();
    const long before_kib = status_kib("VmRSS");
    auto start = std::chrono::steady_clock::now();
    const auto annotations = vdep::LlavaAnnotations::open(path);
    const double open_s = seconds_since(start);
    const long open_peak_kib = status_kib("VmHWM");

    // Before reading by record(i), which leaves the whole file mapped.
    reset_peak_resident();
    start = std::chrono::steady_clock::now();
    annotations.validate_all();
    const double validate_s = seconds_since(start);
    const long validate_peak_kib = status_kib("VmHWM");

    reset_peak_resident();
    start = std::chrono::steady_clock::now();
    std::size_t turns = 0;
    std::size_t text_only = 0;
    for (std::size_t i = 0; i < annotations.size(); ++i) {
      const vdep::LlavaRecord record = annotations.record(i);
      turns += record.conversations.size();
      text_only += record.image ? 0 : 1;
    }
    const double read_s = seconds_since(start);
    const long read_peak_kib = status_kib("VmHWM");
    const long read_file_kib = status_kib("RssFile");
    const long read_anon_kib = status_kib("RssAnon");


    std::printf("file          %s: %.1f MiB, %zu records (%zu text-only, %zu turns)\n", path.c_str(), file_mib,
                annotations.size(), text_only, turns);
    std::printf("open          %.2f s, %.0f MiB/s; index %.1f MiB (16 bytes per record)\n", open_s,
                file_mib / open_s, annotations.size() * 16.0 / (1 << 20));
    std::printf("validate_all  %.2f s\n", validate_s);
    std::printf("read all      %.2f s, %.0f records/s, %.0f MiB/s (record(i) for every i)\n", read_s,
                annotations.size() / read_s, file_mib / read_s);
    std::printf("resident      %.1f MiB before open (the process and its libraries)%s\n", before_kib / 1024.0,
                peak_per_phase ? "" : "; VmHWM could not be reset: peaks are the process's");
    auto print_peak = [&](const char* phase, long peak_kib) {
      std::printf("peak %-8s %.1f MiB, %.1f MiB above that (%.1f%% of the file)\n", phase, peak_kib / 1024.0,
                  (peak_kib - before_kib) / 1024.0, 100.0 * (peak_kib - before_kib) / 1024.0 / file_mib);
    };
    print_peak("open", open_peak_kib);
    print_peak("validate", validate_peak_kib);
    print_peak("read", read_peak_kib);
    std::printf("              after reading: file pages %.1f MiB (page cache, reclaimable), anonymous %.1f MiB\n",
                read_file_kib / 1024.0, read_anon_kib / 1024.0);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s\n", error.what());
    if (synthetic) std::filesystem::remove(path);
    return 1;
  }
  if (synthetic) std::filesystem::remove(path);
  return 0;
}
