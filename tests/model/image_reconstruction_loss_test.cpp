#include <vdep/image_reconstruction_loss.h>

#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace vdep {
namespace {

// Hidden states and targets with values chosen so that every loss can be worked out by hand:
// d = 2, sequence of 4, one sample; the image occupies positions 1..2.
struct Fixture {
  torch::Tensor hidden = torch::tensor({{{0.0, 0.0}, {1.0, 1.0}, {2.0, 0.0}, {5.0, 5.0}}}, torch::kFloat);
  torch::Tensor targets = torch::tensor({{{9.0, 9.0}, {1.0, 3.0}, {0.0, 0.0}, {7.0, 7.0}}}, torch::kFloat);
  std::vector<ImagePlacement> image = {{0, 1, 2}};
};

double value(const ImageLoss& loss) { return loss.value.item<double>(); }

TEST(ImageReconstructionLossTest, SameAndNextPositionSquaredErrors) {
  Fixture f;
  ImageLossOptions same;
  same.shift = 0;
  // pairs (h1, t1): (0, -2) -> 4; (h2, t2): (2, 0) -> 4. Mean over 2 pairs x 2 dims = 8 / 4.
  EXPECT_DOUBLE_EQ(value(image_reconstruction_loss(f.hidden, f.targets, f.image, same)), 2.0);
  ImageLossOptions next;  // shift 1: (h0, t1): (-1, -3) -> 10; (h1, t2): (1, 1) -> 2. 12 / 4.
  const ImageLoss loss = image_reconstruction_loss(f.hidden, f.targets, f.image, next);
  EXPECT_DOUBLE_EQ(value(loss), 3.0);
  EXPECT_EQ(loss.pairs, 2);
  next.reduction = ImageLossReduction::SumDims;  // distances 10 and 2, mean over pairs
  EXPECT_DOUBLE_EQ(value(image_reconstruction_loss(f.hidden, f.targets, f.image, next)), 6.0);
}

TEST(ImageReconstructionLossTest, VariantsAreTheDocumentedFunctionsOfL2) {
  Fixture f;
  ImageLossOptions options;
  options.variant = ImageLossVariant::SigmoidL2;
  ImageLoss loss = image_reconstruction_loss(f.hidden, f.targets, f.image, options);
  EXPECT_NEAR(value(loss), 1.0 / (1.0 + std::exp(-3.0)), 1e-7);
  EXPECT_DOUBLE_EQ(loss.l2.item<double>(), 3.0);
  options.variant = ImageLossVariant::InvL2;
  EXPECT_NEAR(value(image_reconstruction_loss(f.hidden, f.targets, f.image, options)), 1.0 - 1.0 / 4.0, 1e-7);

  // Monotone in l2: a hidden state moved towards its target lowers every variant.
  for (const ImageLossVariant variant : {ImageLossVariant::L2, ImageLossVariant::SigmoidL2, ImageLossVariant::InvL2}) {
    options.variant = variant;
    Fixture closer;
    closer.hidden[0][0] = torch::tensor({0.5, 2.0});
    EXPECT_LT(value(image_reconstruction_loss(closer.hidden, closer.targets, closer.image, options)),
              value(image_reconstruction_loss(f.hidden, f.targets, f.image, options)));
  }
}

TEST(ImageReconstructionLossTest, GradientReachesTheTargetUnlessDetached) {
  for (const bool detach : {false, true}) {
    Fixture f;
    auto hidden = f.hidden.clone().requires_grad_(true);
    auto targets = f.targets.clone().requires_grad_(true);
    ImageLossOptions options;
    options.detach_target = detach;
    image_reconstruction_loss(hidden, targets, f.image, options).value.backward();
    // d/dh0 of mean((h0 - t1)^2) over 4 values = 2 (h0 - t1) / 4 = (-0.5, -1.5)
    EXPECT_TRUE(torch::allclose(hidden.grad()[0][0], torch::tensor({-0.5, -1.5})));
    EXPECT_TRUE(torch::equal(hidden.grad()[0][3], torch::zeros({2}))) << "not an image pair";
    if (detach) {
      EXPECT_FALSE(targets.grad().defined());
    } else {
      EXPECT_TRUE(torch::allclose(targets.grad()[0][1], torch::tensor({0.5, 1.5})));
      EXPECT_TRUE(torch::equal(targets.grad()[0][0], torch::zeros({2}))) << "not an image position";
    }
  }
}

TEST(ImageReconstructionLossTest, ImagesAcrossSamplesAndAtTheSequenceStart) {
  // Sample 1 holds an image from position 0: with shift 1 its first embedding has no predecessor.
  const auto hidden = torch::zeros({2, 3, 1});
  const auto targets = torch::tensor({{{0.0}, {0.0}, {0.0}}, {{4.0}, {2.0}, {6.0}}});
  const ImageLoss loss = image_reconstruction_loss(hidden, targets, {{1, 0, 3}}, {});
  EXPECT_EQ(loss.pairs, 2);
  EXPECT_DOUBLE_EQ(value(loss), (4.0 + 36.0) / 2.0);
  ImageLossOptions same;
  same.shift = 0;
  EXPECT_NEAR(value(image_reconstruction_loss(hidden, targets, {{1, 0, 3}}, same)), (16.0 + 4.0 + 36.0) / 3.0, 1e-5);

  const ImageLoss none = image_reconstruction_loss(hidden.requires_grad_(true), targets, {}, {});
  EXPECT_EQ(none.pairs, 0);
  EXPECT_DOUBLE_EQ(value(none), 0.0);
  none.value.backward();  // a micro-batch without VDEP images still back-propagates
}

TEST(ImageReconstructionLossTest, BadSpansAndNamesAreRejected) {
  Fixture f;
  EXPECT_THROW(image_reconstruction_loss(f.hidden, f.targets, {{0, 3, 2}}, {}), std::invalid_argument);
  EXPECT_THROW(image_reconstruction_loss(f.hidden, f.targets, {{1, 0, 1}}, {}), std::invalid_argument);
  EXPECT_THROW(image_reconstruction_loss(f.hidden, f.targets.narrow(1, 0, 3), f.image, {}), std::invalid_argument);
  EXPECT_EQ(image_loss_variant("inv_l2"), ImageLossVariant::InvL2);
  EXPECT_EQ(image_loss_reduction("sum_dims"), ImageLossReduction::SumDims);
  EXPECT_THROW(image_loss_variant("l1"), std::invalid_argument);
  EXPECT_THROW(image_loss_reduction("sum"), std::invalid_argument);
}

}  // namespace
}  // namespace vdep
