// y = W x with F32 weights; see matvec.glsl.
#version 450
#define WT_F32
#include "matvec.glsl"
