"""rPPG-Toolbox's PhysFormer (`ViT_ST_ST_Compact3_TDC_gra_sharp`, neural_methods/model/PhysFormer.py),
re-written for the Swift zoo's parity checks with the same state-dict keys (developer tool).

The toolbox's trainer builds it with cubic patches (PATCH_SIZE, 4 in its configs); the forward's
`view(B, C, P // 16, 4, 4)` and `t // 4` fix the token grid at (T/4) x 4 x 4, so patches are 4
and frames 128 pixels. `forward(x)` returns the rPPG signal only (the attention scores are for
visualisation), with the trainer's gra_sharp = 2.0 as the default.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class CDCT(nn.Module):
    """Temporal central-difference conv: conv(x, w) - theta * conv1x1x1(x, taps 0 and 2 of w summed)."""

    def __init__(self, dim, theta):
        super().__init__()
        self.conv = nn.Conv3d(dim, dim, 3, stride=1, padding=1, bias=False)
        self.theta = theta

    def forward(self, x):
        w = self.conv.weight
        diff = (w[:, :, 0].sum((2, 3)) + w[:, :, 2].sum((2, 3)))[:, :, None, None, None]
        return self.conv(x) - self.theta * F.conv3d(x, diff)


def _to_volume(x):
    """[B, P, C] tokens -> [B, C, P/16, 4, 4]."""
    b, p, c = x.shape
    return x.transpose(1, 2).reshape(b, c, p // 16, 4, 4)


def _to_tokens(x):
    return x.flatten(2).transpose(1, 2)


class Attention(nn.Module):
    def __init__(self, dim, heads, theta):
        super().__init__()
        self.proj_q = nn.Sequential(CDCT(dim, theta), nn.BatchNorm3d(dim))
        self.proj_k = nn.Sequential(CDCT(dim, theta), nn.BatchNorm3d(dim))
        self.proj_v = nn.Sequential(nn.Conv3d(dim, dim, 1, bias=False))
        self.heads = heads

    def forward(self, x, gra_sharp):
        v3 = _to_volume(x)
        b, p, c = x.shape

        def heads(t):  # [B, P, C] -> [B, H, P, C/H]
            return _to_tokens(t).reshape(b, p, self.heads, c // self.heads).transpose(1, 2)

        q, k, v = heads(self.proj_q(v3)), heads(self.proj_k(v3)), heads(self.proj_v(v3))
        scores = F.softmax(q @ k.transpose(-2, -1) / gra_sharp, dim=-1)
        return (scores @ v).transpose(1, 2).reshape(b, p, c)


class FeedForward(nn.Module):
    def __init__(self, dim, ff_dim):
        super().__init__()
        self.fc1 = nn.Sequential(nn.Conv3d(dim, ff_dim, 1, bias=False), nn.BatchNorm3d(ff_dim), nn.ELU())
        self.STConv = nn.Sequential(nn.Conv3d(ff_dim, ff_dim, 3, padding=1, groups=ff_dim, bias=False),
                                    nn.BatchNorm3d(ff_dim), nn.ELU())
        self.fc2 = nn.Sequential(nn.Conv3d(ff_dim, dim, 1, bias=False), nn.BatchNorm3d(dim))

    def forward(self, x):
        return _to_tokens(self.fc2(self.STConv(self.fc1(_to_volume(x)))))


class Block(nn.Module):
    def __init__(self, dim, heads, ff_dim, theta):
        super().__init__()
        self.attn = Attention(dim, heads, theta)
        self.proj = nn.Linear(dim, dim)
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.pwff = FeedForward(dim, ff_dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)

    def forward(self, x, gra_sharp):
        x = x + self.proj(self.attn(self.norm1(x), gra_sharp))
        return x + self.pwff(self.norm2(x))


class Transformer(nn.Module):
    def __init__(self, layers, dim, heads, ff_dim, theta):
        super().__init__()
        self.blocks = nn.ModuleList([Block(dim, heads, ff_dim, theta) for _ in range(layers)])

    def forward(self, x, gra_sharp):
        for block in self.blocks:
            x = block(x, gra_sharp)
        return x


def _stem(cin, cout, kernel, padding):
    return nn.Sequential(nn.Conv3d(cin, cout, kernel, stride=1, padding=padding), nn.BatchNorm3d(cout),
                         nn.ReLU(inplace=True), nn.MaxPool3d((1, 2, 2), stride=(1, 2, 2)))


def _upsample(cin, cout):
    return nn.Sequential(nn.Upsample(scale_factor=(2, 1, 1)), nn.Conv3d(cin, cout, [3, 1, 1], padding=(1, 0, 0)),
                         nn.BatchNorm3d(cout), nn.ELU())


class PhysFormer(nn.Module):
    """Defaults are the toolbox configs' (DIM 96, FF_DIM 144, NUM_HEADS 4, NUM_LAYERS 12, THETA 0.7)."""

    def __init__(self, frames=160, patch=4, dim=96, ff_dim=144, heads=4, layers=12, theta=0.7, gra_sharp=2.0):
        super().__init__()
        self.frames, self.dim, self.gra_sharp = frames, dim, gra_sharp
        self.patch_embedding = nn.Conv3d(dim, dim, kernel_size=(patch,) * 3, stride=(patch,) * 3)
        for i in (1, 2, 3):
            setattr(self, f"transformer{i}", Transformer(layers // 3, dim, heads, ff_dim, theta))
        self.Stem0 = _stem(3, dim // 4, [1, 5, 5], [0, 2, 2])
        self.Stem1 = _stem(dim // 4, dim // 2, [3, 3, 3], 1)
        self.Stem2 = _stem(dim // 2, dim, [3, 3, 3], 1)
        self.upsample = _upsample(dim, dim)
        self.upsample2 = _upsample(dim, dim // 2)
        self.ConvBlockLast = nn.Conv1d(dim // 2, 1, 1)

    @classmethod
    def from_state_dict(cls, sd, frames, **kwargs):
        """The configuration the weights imply (heads and theta are not in them: the defaults)."""
        w = sd["patch_embedding.weight"]
        blocks = {k.split(".")[2] for k in sd if k.startswith("transformer1.blocks.")}
        return cls(frames=frames, patch=w.shape[2], dim=w.shape[0],
                   ff_dim=sd["transformer1.blocks.0.pwff.fc1.0.weight"].shape[0], layers=3 * len(blocks), **kwargs)

    def forward(self, x):
        t = x.shape[2]
        x = _to_tokens(self.patch_embedding(self.Stem2(self.Stem1(self.Stem0(x)))))
        for tr in (self.transformer1, self.transformer2, self.transformer3):
            x = tr(x, self.gra_sharp)
        y = self.upsample2(self.upsample(x.transpose(1, 2).reshape(x.shape[0], self.dim, t // 4, 4, 4)))
        return self.ConvBlockLast(y.mean((3, 4))).squeeze(1)
