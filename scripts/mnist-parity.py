"""The MNIST MLP recipe as a PyTorch user writes it, on the split a Shapeflow export holds.

    /usr/bin/python3 scripts/mnist-parity.py EXPORT_DIR --seed 0 --epochs 5 --lr 0.1 --momentum 0.9 --batch-size 64

Unlike the exported train.py (Shapeflow's initial weights, Shapeflow's batch order), this is the
textbook loop: PyTorch's own initialisation from torch.manual_seed(seed) (nn.Linear's
kaiming_uniform_(a=√5) weights and U(±1/√fan_in) biases), a DataLoader that reshuffles every
epoch with torch's generator, the last partial batch kept, CrossEntropyLoss with reduction
'mean', SGD. Only the model (model.py) and the data (data.npz's train and val splits, pixels in
[0, 1]) come from the export. --normalise standardises the pixels as torchvision's MNIST example
does. One JSON line per epoch: {"epoch": 1, "train_loss": ..., "val_accuracy": ...}.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

# torchvision's MNIST example: transforms.Normalize((0.1307,), (0.3081,))
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


def load(export_dir, split, normalise):
    data = np.load(os.path.join(export_dir, 'data.npz'))
    x = torch.from_numpy(data[f'{split}_inputs'])
    y = torch.from_numpy(data[f'{split}_targets']).long()
    return ((x - MNIST_MEAN) / MNIST_STD if normalise else x), y


@torch.no_grad()
def accuracy(model, x, y):
    model.eval()
    correct = (model(x).argmax(1) == y).sum().item()
    model.train()
    return correct / len(y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('export_dir')
    parser.add_argument('--seed', type=int, required=True)
    parser.add_argument('--epochs', type=int, required=True)
    parser.add_argument('--lr', type=float, required=True)
    parser.add_argument('--momentum', type=float, required=True)
    parser.add_argument('--batch-size', type=int, required=True)
    parser.add_argument('--normalise', action='store_true', help='(x − 0.1307) / 0.3081, as torchvision does')
    args = parser.parse_args()

    torch.set_num_threads(1)  # a shared machine: one core per run
    sys.path.insert(0, args.export_dir)
    from model import build_model

    train_x, train_y = load(args.export_dir, 'train', args.normalise)
    val_x, val_y = load(args.export_dir, 'val', args.normalise)
    torch.manual_seed(args.seed)
    model = build_model()  # no weights file: PyTorch's default initialisation
    loader = DataLoader(TensorDataset(train_x, train_y), batch_size=args.batch_size, shuffle=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for epoch in range(args.epochs):
        loss_sum, samples = 0.0, 0
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            loss_sum, samples = loss_sum + loss.item() * len(y), samples + len(y)
        report = {'epoch': epoch + 1, 'train_loss': loss_sum / samples, 'val_accuracy': accuracy(model, val_x, val_y)}
        print(json.dumps(report), flush=True)


if __name__ == '__main__':
    main()
