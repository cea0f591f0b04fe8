"""The notewire server: a separate process from the kernel, which it reaches only over
ZeroMQ. Nothing here imports `notewire.kernel`."""
