// Y = W X for a batch of tokens, Q8_0 weights; see matmul.glsl.
#version 450
#define WT_Q8_0
#include "matmul.glsl"
