#pragma once
#include "impasto/options.h"

namespace impasto {

// Checks the artistic controls of the options (colours, masks, maps, style loss, bit depth,
// animation); throws InputError naming the first bad one.
void validate_controls(const Options& options);

}  // namespace impasto
