// Y = W X for a batch of tokens, F32 weights; see matmul.glsl.
#version 450
#define WT_F32
#include "matmul.glsl"
