/**
 * Files: {@link dev.kiln.io.Safetensors} (the format PyTorch and Hugging Face users exchange
 * weights in: strict loading, atomic saving, byte-identical to the reference writer) and
 * {@link dev.kiln.io.Checkpoint} (a training run's model, optimizer and generator in one file,
 * for exact resumes). See docs/checkpoints.md.
 */
package dev.kiln.io;
