// `vdep-run data shapes`: the procedural shapes dataset, written by libvdep (vdep/shapes_dataset.h)
// so that the `shapes` dataset plugin generates exactly the same files.
#include <cstdio>
#include <stdexcept>
#include <string>

#include <vdep/shapes_dataset.h>

#include "commands.h"

namespace vdep {

int run_data_command(const CommandLine& line) {
  ShapesDatasetOptions options;
  options.scenes = line.count;
  options.seed = line.seed;
  options.image_size = static_cast<int>(line.image_size);
  options.max_shapes = static_cast<int>(line.max_shapes);
  const ShapesDatasetSummary summary = write_shapes_dataset(line.out, options);
  if (!summary.written) {
    throw std::runtime_error("nothing written: " + line.out.string() +
                             " already holds files (remove it or choose another --out)");
  }
  std::printf("wrote %lld training scenes (pretrain.json: %zu captions; sft.json: %zu conversations, %zu turns) and "
              "%lld held-out scenes (eval.json: %zu questions) to %s in %.1f s\n",
              static_cast<long long>(summary.training_scenes), summary.captions, summary.conversations,
              summary.sft_questions, static_cast<long long>(summary.eval_scenes), summary.eval_questions,
              line.out.string().c_str(), summary.seconds);
  return 0;
}

}  // namespace vdep
