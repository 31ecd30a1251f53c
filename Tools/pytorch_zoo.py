"""PyTorch definitions of the zoo models, written from the architecture facts (REFERENCE.md §4 and
the TinyPulse definition in issue 3), for making fixtures and reference runs. Developer tool only.

    import sys; sys.path.insert(0, 'Tools')
    from pytorch_zoo import TinyPulse, PhysNet
"""
import torch
import torch.nn as nn


class TinyPulse(nn.Module):
    """The project's default MCU-sized model. Input [N, 3, T, 36, 36] -> [N, T]."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv3d(3, 8, (1, 5, 5), padding=(0, 2, 2), bias=False), nn.BatchNorm3d(8), nn.ReLU())
        self.pool1 = nn.AvgPool3d((1, 2, 2))
        self.block2 = nn.Sequential(nn.Conv3d(8, 16, 3, padding=1, bias=False), nn.BatchNorm3d(16), nn.ReLU())
        self.pool2 = nn.AvgPool3d((1, 2, 2))
        self.block3 = nn.Sequential(nn.Conv3d(16, 32, 3, padding=1, bias=False), nn.BatchNorm3d(32), nn.ReLU())
        self.head = nn.Conv3d(32, 1, 1)

    def forward(self, x):
        n, _, t = x.shape[:3]
        x = self.block3(self.pool2(self.block2(self.pool1(self.stem(x)))))
        x = self.head(x.mean(dim=(3, 4), keepdim=True))
        return x.reshape(n, t)


def _block(cin, cout, kernel, padding):
    return nn.Sequential(nn.Conv3d(cin, cout, kernel, stride=1, padding=padding), nn.BatchNorm3d(cout), nn.ReLU(inplace=True))


class PhysNet(nn.Module):
    """rPPG-Toolbox's PhysNet_padding_Encoder_Decoder_MAX, key-for-key. Input [N, 3, T, H, W].

    rPPG-Toolbox's forward returns a tuple; this returns its first element, the rPPG signal [N, T].
    """

    def __init__(self, frames=128):
        super().__init__()
        self.ConvBlock1 = _block(3, 16, [1, 5, 5], [0, 2, 2])
        self.ConvBlock2 = _block(16, 32, [3, 3, 3], 1)
        self.ConvBlock3 = _block(32, 64, [3, 3, 3], 1)
        for i in range(4, 10):
            setattr(self, f"ConvBlock{i}", _block(64, 64, [3, 3, 3], 1))
        self.upsample = nn.Sequential(
            nn.ConvTranspose3d(64, 64, kernel_size=[4, 1, 1], stride=[2, 1, 1], padding=[1, 0, 0]), nn.BatchNorm3d(64), nn.ELU())
        self.upsample2 = nn.Sequential(
            nn.ConvTranspose3d(64, 64, kernel_size=[4, 1, 1], stride=[2, 1, 1], padding=[1, 0, 0]), nn.BatchNorm3d(64), nn.ELU())
        self.ConvBlock10 = nn.Conv3d(64, 1, [1, 1, 1], stride=1, padding=0)
        self.MaxpoolSpa = nn.MaxPool3d((1, 2, 2), stride=(1, 2, 2))
        self.MaxpoolSpaTem = nn.MaxPool3d((2, 2, 2), stride=2)
        self.poolspa = nn.AdaptiveAvgPool3d((frames, 1, 1))

    def forward(self, x):
        length = x.shape[2]
        x = self.MaxpoolSpa(self.ConvBlock1(x))
        x = self.MaxpoolSpaTem(self.ConvBlock3(self.ConvBlock2(x)))
        x = self.MaxpoolSpaTem(self.ConvBlock5(self.ConvBlock4(x)))
        x = self.MaxpoolSpa(self.ConvBlock7(self.ConvBlock6(x)))
        x = self.ConvBlock9(self.ConvBlock8(x))
        x = self.upsample2(self.upsample(x))
        x = self.ConvBlock10(self.poolspa(x))
        return x.view(-1, length)


if __name__ == "__main__":
    import sys
    path = sys.argv[1] if len(sys.argv) > 1 else "../shared/checkpoints/PURE_PhysNet_DiffNormalized.pth"
    sd = torch.load(path, map_location="cpu", weights_only=True)
    m = PhysNet()
    m.load_state_dict(sd, strict=True)
    print(f"{path}: {len(sd)} tensors load strictly into PhysNet")
    print("TinyPulse parameters:", sum(p.numel() for p in TinyPulse().parameters()))
