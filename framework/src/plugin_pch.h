// Precompiled for every in-tree plugin: the LibTorch front end is most of their compile time.
#pragma once

#include <torch/torch.h>

#include <vdep/plugin.h>
