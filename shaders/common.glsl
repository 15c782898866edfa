// Shared by the compute shaders: raw word buffers and byte/half access into
// them, so that GGUF block layouts (34- and 18-byte blocks, 2-byte aligned)
// are read as they are in the file, with no device feature beyond core 1.0.
#extension GL_EXT_control_flow_attributes : enable

float silu(float a)
{
	return a / (1.0 + exp(-a));
}
