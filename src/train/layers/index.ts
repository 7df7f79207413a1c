// Importing this module registers every custom layer with tfjs (needed before loading a saved model).
export { FramedConv1D, framedConv1d, type FramedConv1DArgs } from './framed-conv1d.js';
export { TemporalAttention, temporalAttention, type TemporalAttentionArgs } from './temporal-attention.js';
