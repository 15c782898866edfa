// y = W x with F16 weights; see matvec.glsl.
#version 450
#define WT_F16
#include "matvec.glsl"
