// y = W x with Q4_0 weights; see matvec.glsl.
#version 450
#define WT_Q4_0
#include "matvec.glsl"
