"""Training throughput of plain-PyTorch references for each family's architecture, with
the settings of ``benchmark.py`` (device, bf16 autocast, batch, image size), on synthetic
batches already on the device:

- ``retinanet``: torchvision's ``retinanet_resnet50_fpn`` (no pretrained weights);
- ``mobilenetv2``: timm's ``mobilenetv2_100`` (torchvision's ``mobilenet_v2`` where timm
  is not installed; the JSON says which);
- ``unet``: a plain U-Net of the course's shape (banks of two 3x3 conv + BN + ReLU,
  2x2 max pooling, transposed-conv upsampling, concatenated skips, 1x1 conv, sigmoid,
  Dice loss), written here without OpenMMLab.

    python .dev_scripts/benchmarks/reference_benchmarks.py {retinanet,mobilenetv2,unet}
        [--device cpu|cuda] [--amp] [--batch 16] [--size 800] [--iters 20] [--warmup 5]
        [--channels-last] [--out result.json]
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv_bank(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True))


class PlainUNet(nn.Module):
    """The course's U-Net shape: ``depth`` pooled banks plus a bottleneck, base filters
    doubling per level, one output channel."""

    def __init__(self, depth=6, base=16):
        super().__init__()
        widths = [base * 2**i for i in range(depth + 1)]
        self.down = nn.ModuleList(
            conv_bank(cin, cout) for cin, cout in zip([3, *widths[:-1]], widths))
        self.up = nn.ModuleList(
            nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2)
            for i in reversed(range(depth)))
        self.merge = nn.ModuleList(
            conv_bank(2 * widths[i], widths[i]) for i in reversed(range(depth)))
        self.out = nn.Conv2d(base, 1, 1)

    def forward(self, x):
        skips = []
        for i, bank in enumerate(self.down):
            x = bank(x if i == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips[:-1])):
            x = merge(torch.cat([up(x), skip], dim=1))
        return self.out(x)


def dice_loss(logits, target, eps=1.0):
    prob = logits.sigmoid().flatten(1)
    target = target.flatten(1)
    return (1 - (2 * (prob * target).sum(1) + eps) / (prob.sum(1) + target.sum(1) + eps)).mean()


def retinanet(args, device):
    from torchvision.models.detection import retinanet_resnet50_fpn
    model = retinanet_resnet50_fpn(
        weights=None,
        weights_backbone=None,
        num_classes=2,
        min_size=args.size,
        max_size=max(1333, args.size))
    images = [torch.rand(3, args.size, args.size, device=device) for _ in range(args.batch)]
    generator = torch.Generator().manual_seed(0)
    targets = []
    for _ in range(args.batch):
        xy = torch.rand(4, 2, generator=generator) * args.size * 0.7
        wh = torch.rand(4, 2, generator=generator) * args.size * 0.25 + 8
        targets.append(
            dict(
                boxes=torch.cat([xy, xy + wh], 1).to(device),
                labels=torch.ones(4, dtype=torch.int64, device=device)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return 'torchvision retinanet_resnet50_fpn', model, optimizer, \
        lambda: sum(model(images, targets).values())


def mobilenetv2(args, device):
    try:
        import timm
        model, name = timm.create_model('mobilenetv2_100', num_classes=11), 'timm mobilenetv2_100'
    except ImportError:
        from torchvision.models import mobilenet_v2
        model, name = mobilenet_v2(num_classes=11), 'torchvision mobilenet_v2 (timm missing)'
    images = torch.rand(args.batch, 3, args.size, args.size, device=device)
    labels = torch.randint(0, 11, (args.batch, ), device=device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    return name, model, optimizer, lambda: F.cross_entropy(model(_fmt(images, args)), labels)


def unet(args, device):
    model = PlainUNet()
    images = torch.rand(args.batch, 3, args.size, args.size, device=device)
    masks = (torch.rand(args.batch, 1, args.size, args.size, device=device) > 0.5).float()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    return 'plain U-Net (6 levels, base 16)', model, optimizer, \
        lambda: dice_loss(model(_fmt(images, args)).float(), masks)


def _fmt(x, args):
    return x.contiguous(memory_format=torch.channels_last) if args.channels_last else x


REFERENCES = dict(retinanet=retinanet, mobilenetv2=mobilenetv2, unet=unet)


def measure(args):
    device = torch.device(args.device)
    name, model, optimizer, loss_fn = REFERENCES[args.reference](args, device)
    model.to(device).train()
    if args.channels_last:
        model.to(memory_format=torch.channels_last)

    def step():
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=args.amp):
            loss = loss_fn()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    if device.type == 'cuda':
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(args.iters):
        step()
    if device.type == 'cuda':
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return dict(
        reference=args.reference,
        model=name,
        device=args.device,
        amp=args.amp,
        batch=args.batch,
        size=args.size,
        iters=args.iters,
        channels_last=args.channels_last,
        torch=torch.__version__,
        images_per_s=args.batch * args.iters / seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('reference', choices=sorted(REFERENCES))
    parser.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    parser.add_argument('--amp', action='store_true')
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=5)
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--out')
    args = parser.parse_args()
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('error: --device cuda: no CUDA GPU is visible')
    report = measure(args)
    print(f"{report['model']}: {report['images_per_s']:.1f} images/s "
          f"({args.device}, batch {args.batch}, {args.size}x{args.size}, amp {args.amp})")
    print(json.dumps(report))
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(report, f, indent=1)


if __name__ == '__main__':
    main()
