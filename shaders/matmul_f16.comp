// Y = W X for a batch of tokens, F16 weights; see matmul.glsl.
#version 450
#define WT_F16
#include "matmul.glsl"
