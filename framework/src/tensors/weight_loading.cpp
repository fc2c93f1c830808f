#include <vdep/weight_loading.h>

#include <functional>
#include <map>
#include <stdexcept>
#include <string_view>

#include <ATen/core/grad_mode.h>
#include <c10/util/StringUtil.h>
#include <spdlog/spdlog.h>

namespace vdep {

namespace {

// Enough to recognise a pattern (a wrong prefix, a renamed layer) without flooding the terminal.
constexpr std::size_t kListedNames = 20;

std::string list_names(const std::vector<std::string>& names) {
  std::string list;
  for (std::size_t i = 0; i < names.size() && i < kListedNames; ++i) {
    if (i > 0) list += ", ";
    list += names[i];
  }
  if (names.size() > kListedNames) {
    list += " ... and " + std::to_string(names.size() - kListedNames) + " more";
  }
  return list;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool is_ignored(std::string_view key, const std::vector<std::string>& ignored_prefixes) {
  for (const std::string& prefix : ignored_prefixes) {
    if (starts_with(key, prefix)) return true;
  }
  return false;
}

// Every parameter and buffer of `module`, by checkpoint key.
std::map<std::string, at::Tensor> module_tensors(torch::nn::Module& module, const std::string& prefix) {
  std::map<std::string, at::Tensor> tensors;
  for (const auto& parameter : module.named_parameters()) {
    tensors[prefix + parameter.key()] = parameter.value();
  }
  for (const auto& buffer : module.named_buffers()) tensors[prefix + buffer.key()] = buffer.value();
  return tensors;
}

std::string count_of(std::size_t count, const char* what) {
  return std::to_string(count) + " " + what + (count == 1 ? "" : "s");
}

// What load_weights needs of a checkpoint, whatever its file format.
struct CheckpointView {
  std::string source;  // named in messages
  std::vector<std::string> names;
  std::function<bool(const std::string&)> contains;
  // The shape of a contained tensor and the file holding it.
  std::function<std::pair<std::vector<int64_t>, std::string>(const std::string&)> shape_of;
  std::function<at::Tensor(const std::string&)> get;
};

LoadReport load_from(torch::nn::Module& module, const CheckpointView& checkpoint, const WeightLoadOptions& options) {
  const std::map<std::string, at::Tensor> targets = module_tensors(module, options.prefix);

  LoadReport report;
  std::vector<std::string> mismatches;
  for (const auto& [key, target] : targets) {
    if (!checkpoint.contains(key)) {
      report.missing.push_back(key);
      continue;
    }
    const auto [shape, file] = checkpoint.shape_of(key);
    if (target.sizes() != c10::IntArrayRef(shape)) {
      mismatches.push_back(key + " is " + c10::str(c10::IntArrayRef(shape)) + " in " + file + " but " +
                           c10::str(target.sizes()) + " in the module");
      continue;
    }
    report.loaded.push_back(key);
  }
  if (!mismatches.empty()) {
    throw std::runtime_error(checkpoint.source + ": " + count_of(mismatches.size(), "tensor") +
                             " differ in shape from the module: " + list_names(mismatches));
  }
  if (!report.missing.empty() && !options.allow_missing) {
    const std::string keys_from =
        options.prefix.empty() ? "" : " (keys are '" + options.prefix + "' + the module's names)";
    throw std::runtime_error(checkpoint.source + ": " + count_of(report.missing.size(), "module tensor") +
                             " missing from the checkpoint" + keys_from + ": " + list_names(report.missing));
  }

  for (const std::string& key : checkpoint.names) {
    if (targets.count(key) == 0 && !is_ignored(key, options.ignored_prefixes)) {
      report.unexpected.push_back(key);
    }
  }
  if (!report.unexpected.empty()) {
    spdlog::warn("{}: {} not used by the module: {}", checkpoint.source,
                 count_of(report.unexpected.size(), "checkpoint tensor"), list_names(report.unexpected));
  }

  const at::NoGradGuard no_grad;
  for (const std::string& key : report.loaded) targets.at(key).copy_(checkpoint.get(key));
  return report;
}

}  // namespace

LoadReport load_weights(torch::nn::Module& module, const SafetensorsReader& checkpoint,
                        const WeightLoadOptions& options) {
  CheckpointView view;
  view.source = checkpoint.path().string();
  view.names = checkpoint.names();
  view.contains = [&](const std::string& key) { return checkpoint.contains(key); };
  view.shape_of = [&](const std::string& key) {
    const TensorInfo& info = checkpoint.info(key);
    return std::pair{info.shape, info.file.string()};
  };
  view.get = [&](const std::string& key) { return checkpoint.get(key); };
  return load_from(module, view, options);
}

LoadReport load_weights(torch::nn::Module& module, const std::map<std::string, at::Tensor>& tensors,
                        const std::string& source, const WeightLoadOptions& options) {
  CheckpointView view;
  view.source = source;
  for (const auto& entry : tensors) view.names.push_back(entry.first);
  view.contains = [&](const std::string& key) { return tensors.count(key) > 0; };
  view.shape_of = [&](const std::string& key) { return std::pair{tensors.at(key).sizes().vec(), source}; };
  view.get = [&](const std::string& key) { return tensors.at(key); };
  return load_from(module, view, options);
}

}  // namespace vdep
