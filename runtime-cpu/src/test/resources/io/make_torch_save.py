#!/usr/bin/env python3
"""torch.save fixtures for SafetensorsStrictTest: what a PyTorch user may hand to Kiln's loader instead
of a safetensors file. Run with PyTorch 1.13 (Debian: /usr/bin/python3 make_torch_save.py, from this folder):
  torch_save_zip.pt      torch.save(state_dict, path): a zip archive (PyTorch's format since 1.6)
  torch_save_legacy.pt   the same with _use_new_zipfile_serialization=False: a bare pickle (protocol 2)
"""
import torch

state = {"weight": torch.tensor([[1.0, 2.0]]), "bias": torch.tensor([0.5])}
torch.save(state, "torch_save_zip.pt")
torch.save(state, "torch_save_legacy.pt", _use_new_zipfile_serialization=False)
