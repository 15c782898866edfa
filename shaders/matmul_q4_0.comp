// Y = W X for a batch of tokens, Q4_0 weights; see matmul.glsl.
#version 450
#define WT_Q4_0
#include "matmul.glsl"
