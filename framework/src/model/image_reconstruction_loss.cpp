#include <vdep/image_reconstruction_loss.h>

#include <stdexcept>

#include <ATen/ATen.h>

namespace vdep {

ImageLoss image_reconstruction_loss(const at::Tensor& hidden, const at::Tensor& targets,
                                    const std::vector<ImagePlacement>& images, const ImageLossOptions& options) {
  if (hidden.dim() != 3 || hidden.sizes() != targets.sizes()) {
    throw std::invalid_argument("image_reconstruction_loss: hidden and targets must both be [batch, seq, d]");
  }
  if (options.shift < 0) throw std::invalid_argument("image_reconstruction_loss: shift must be >= 0");
  const std::int64_t batch = hidden.size(0);
  const std::int64_t length = hidden.size(1);

  // Gather the compared positions once, as flat (sample * length + position) indices.
  std::vector<std::int64_t> predicted, wanted;
  for (const ImagePlacement& image : images) {
    if (image.sample < 0 || image.sample >= batch || image.start < 0 || image.length < 0 ||
        image.start + image.length > length) {
      throw std::invalid_argument("image_reconstruction_loss: image at sample " + std::to_string(image.sample) +
                                  ", positions [" + std::to_string(image.start) + ", " +
                                  std::to_string(image.start + image.length) + ") lies outside the [" +
                                  std::to_string(batch) + ", " + std::to_string(length) + "] batch");
    }
    for (std::int64_t q = image.start; q < image.start + image.length; ++q) {
      if (q - options.shift < 0) continue;
      predicted.push_back(image.sample * length + q - options.shift);
      wanted.push_back(image.sample * length + q);
    }
  }

  ImageLoss loss;
  loss.pairs = static_cast<std::int64_t>(predicted.size());
  if (predicted.empty()) {
    loss.value = hidden.sum() * 0.0;  // keeps the graph connected, so backward() still works
    loss.l2 = loss.value.detach();
    return loss;
  }
  const auto index_options = at::TensorOptions().dtype(at::kLong).device(hidden.device());
  const at::Tensor flat_hidden = hidden.reshape({-1, hidden.size(2)});
  const at::Tensor flat_targets = (options.detach_target ? targets.detach() : targets).reshape({-1, hidden.size(2)});
  // In fp32 whatever the activations' dtype: a bf16 sum over 576 x 4096 values would lose the loss.
  const at::Tensor difference =
      flat_hidden.index_select(0, at::tensor(predicted, index_options)).to(at::kFloat) -
      flat_targets.index_select(0, at::tensor(wanted, index_options)).to(at::kFloat);
  const at::Tensor squared = difference.pow(2);
  const at::Tensor l2 =
      options.reduction == ImageLossReduction::Mean ? squared.mean() : squared.sum(-1).mean();

  switch (options.variant) {
    case ImageLossVariant::L2: loss.value = l2; break;
    case ImageLossVariant::SigmoidL2: loss.value = at::sigmoid(l2); break;
    case ImageLossVariant::InvL2: loss.value = 1.0 - 1.0 / (1.0 + l2); break;
  }
  loss.l2 = l2.detach();
  return loss;
}

ImageLossVariant image_loss_variant(const std::string& name) {
  if (name == "l2") return ImageLossVariant::L2;
  if (name == "sigmoid_l2") return ImageLossVariant::SigmoidL2;
  if (name == "inv_l2") return ImageLossVariant::InvL2;
  throw std::invalid_argument("unknown image loss variant '" + name + "' (expected l2, sigmoid_l2 or inv_l2)");
}

ImageLossReduction image_loss_reduction(const std::string& name) {
  if (name == "mean") return ImageLossReduction::Mean;
  if (name == "sum_dims") return ImageLossReduction::SumDims;
  throw std::invalid_argument("unknown image loss reduction '" + name + "' (expected mean or sum_dims)");
}

}  // namespace vdep
