#!/usr/bin/env python3
"""char-lstm fixture for CharLstmTest: a 2-layer nn.LSTM character model on Debian's fortunes, PyTorch 1.13, float64.

Embedding(V, 16) -> nn.LSTM(16, 32, num_layers=2, batch_first=True) -> Linear(32, V), cross-entropy, Adam (lr 1e-2),
5 steps on batches of 4 blocks of 16 characters drawn as char-gpt draws them (nanoGPT's get_batch on Kiln's
Generator(1337), bench/pytorch_char_gpt.py). Writes char_lstm.safetensors: the initial weights (torch.manual_seed(0),
PyTorch's default initialization; names embed.weight, lstm.weight_ih_l0, ..., head.weight, head.bias) and `losses`,
the loss before each step.

Run from the repository root: /usr/bin/python3 samples/src/test/resources/chargpt/make_lstm_fixture.py
"""
import os
import sys

import torch

sys.path.insert(0, "bench")
sys.path.insert(0, os.path.join("runtime-cpu", "src", "test", "resources", "io"))
from make_fixtures import write  # noqa: E402
from pytorch_char_gpt import ROOT, KilnGenerator, get_batch, load_text  # noqa: E402

OUT = os.path.join("samples", "src", "test", "resources", "chargpt", "char_lstm.safetensors")


class CharLstm(torch.nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, 16)
        self.lstm = torch.nn.LSTM(16, 32, num_layers=2, batch_first=True)
        self.head = torch.nn.Linear(32, vocab)

    def forward(self, x):
        return self.head(self.lstm(self.embed(x))[0])


def main():
    text = load_text(ROOT)
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    data = torch.tensor([index[c] for c in text], dtype=torch.long)
    train = data[:int(len(data) * 0.9)]
    torch.manual_seed(0)
    model = CharLstm(len(vocab)).double()
    init = {k: v.clone() for k, v in model.state_dict().items()}
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    g = KilnGenerator(1337)
    losses = []
    for _ in range(5):
        x, y = get_batch(train, 4, 16, g)
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x).reshape(-1, len(vocab)), y.reshape(-1))
        loss.backward()
        opt.step()
        losses.append(loss.item())
    write(OUT, {**init, "losses": torch.tensor(losses, dtype=torch.float64)})
    print(OUT, losses)


if __name__ == "__main__":
    main()
