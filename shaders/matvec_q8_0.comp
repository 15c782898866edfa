// y = W x with Q8_0 weights; see matvec.glsl.
#version 450
#define WT_Q8_0
#include "matvec.glsl"
