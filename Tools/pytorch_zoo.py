"""PyTorch definitions of the rppg-swift model zoo (developer tool; the product never imports Python).

Usage from another script in Tools/:

    import sys; sys.path.insert(0, 'Tools')
    from pytorch_zoo import TinyPulse, TinyPulse2D, PhysNet, FactorizePhys, PhysFormer, build, ZOO

Every model takes x: float32 [N, 3, T, H, W] and returns the rPPG signal [N, T] (one tensor, so
that torch.onnx.export and tracing see a single output). State-dict keys are the ones the Swift
zoo (Sources/RPPG/Models) binds, key for key:

- TinyPulse: the project's MCU-sized default (issue 3 gives the exact definition). H = W = 36.
- TinyPulse2D: TinyPulse's input and output with 2-D operators only (issue 15), for the STM32N6
  NPU: frames in the batch, per-frame Conv2d blocks, global average pool, (5x1) Conv2d over time.
- PhysNet: rPPG-Toolbox `PhysNet_padding_Encoder_Decoder_MAX` (REFERENCE.md §4); loads
  shared/checkpoints/PURE_PhysNet_DiffNormalized.pth. The toolbox forward returns a tuple whose
  first element is the signal; pass `return_tuple=True` to get the tuple. T is any multiple of 4;
  H = W is any multiple of 8 (72 in the toolbox).
- FactorizePhys: rPPG-Toolbox `FactorizePhys` (nf = [8, 12, 16]) inference path with FSAM off.
  The toolbox trainer appends a copy of the last frame before calling the model (which takes
  `torch.diff` over time); `forward` here does the same, so input [N,3,T,72,72] gives [N,T].
  The FSAM sub-modules (4 keys under `rppg_head.fsam.`) are registered, as in the toolbox, so
  toolbox checkpoints load strictly, but they are not used at inference. `bias1` is not a
  registered parameter (the toolbox creates it with `.to(device)`, which on GPU leaves it out of
  the state dict). H = W must be 72 (the head reduces 72x72 to 1x1).
"""

import torch
import torch.nn as nn


def _conv_bn_relu(cin, cout, kernel, padding, bias=True):
    return nn.Sequential(nn.Conv3d(cin, cout, kernel, stride=1, padding=padding, bias=bias),
                         nn.BatchNorm3d(cout), nn.ReLU(inplace=True))


class TinyPulse(nn.Module):
    """The project's default small model: ~17k parameters, input [N,3,T,36,36] -> [N,T]."""

    def __init__(self):
        super().__init__()
        self.stem = _conv_bn_relu(3, 8, (1, 5, 5), (0, 2, 2), bias=False)
        self.pool1 = nn.AvgPool3d((1, 2, 2))
        self.block2 = _conv_bn_relu(8, 16, 3, 1, bias=False)
        self.pool2 = nn.AvgPool3d((1, 2, 2))
        self.block3 = _conv_bn_relu(16, 32, 3, 1, bias=False)
        self.head = nn.Conv3d(32, 1, 1)

    def forward(self, x):
        n, _, t, _, _ = x.shape
        x = self.block3(self.pool2(self.block2(self.pool1(self.stem(x)))))
        x = self.head(x.mean(dim=(3, 4), keepdim=True))
        return x.reshape(n, t)


def _conv2d_bn_relu(cin, cout, kernel, padding):
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, padding=padding, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class TinyPulse2D(nn.Module):
    """TinyPulse's input/output with 2-D operators only (Sources/RPPG/Models/TinyPulse2D.swift):
    frames into the batch, per-frame Conv2D stem and blocks, a global average pool, then time mixed
    by (5x1) Conv2D kernels over [N, C, T, 1] and a 1x1 head. Input [N,3,T,36,36] -> [N,T]."""

    def __init__(self, widths=(8, 16, 32), temporal_kernel=5):
        super().__init__()
        c, k = widths, temporal_kernel
        self.stem = _conv2d_bn_relu(3, c[0], 5, 2)
        self.pool1 = nn.AvgPool2d(2)
        self.block2 = _conv2d_bn_relu(c[0], c[1], 3, 1)
        self.pool2 = nn.AvgPool2d(2)
        self.block3 = _conv2d_bn_relu(c[1], c[2], 3, 1)
        self.time1 = _conv2d_bn_relu(c[2], c[2], (k, 1), (k // 2, 0))
        self.time2 = _conv2d_bn_relu(c[2], c[2], (k, 1), (k // 2, 0))
        self.head = nn.Conv2d(c[2], 1, 1)

    def forward(self, x):
        n, ch, t, h, w = x.shape
        x = x.permute(0, 2, 1, 3, 4).reshape(n * t, ch, h, w)
        x = self.block3(self.pool2(self.block2(self.pool1(self.stem(x)))))
        x = nn.functional.adaptive_avg_pool2d(x, 1)
        x = x.reshape(n, t, -1, 1).permute(0, 2, 1, 3)
        x = self.head(self.time2(self.time1(x)))
        return x.reshape(n, t)


class PhysNet(nn.Module):
    """rPPG-Toolbox PhysNet_padding_Encoder_Decoder_MAX, state-dict compatible."""

    def __init__(self, frames=128, return_tuple=False):
        super().__init__()
        self.return_tuple = return_tuple
        self.ConvBlock1 = _conv_bn_relu(3, 16, (1, 5, 5), (0, 2, 2))
        self.ConvBlock2 = _conv_bn_relu(16, 32, 3, 1)
        self.ConvBlock3 = _conv_bn_relu(32, 64, 3, 1)
        for i in range(4, 10):
            setattr(self, f'ConvBlock{i}', _conv_bn_relu(64, 64, 3, 1))
        for name in ('upsample', 'upsample2'):
            setattr(self, name, nn.Sequential(
                nn.ConvTranspose3d(64, 64, (4, 1, 1), stride=(2, 1, 1), padding=(1, 0, 0)),
                nn.BatchNorm3d(64), nn.ELU()))
        self.ConvBlock10 = nn.Conv3d(64, 1, 1, stride=1, padding=0)
        self.MaxpoolSpa = nn.MaxPool3d((1, 2, 2), stride=(1, 2, 2))
        self.MaxpoolSpaTem = nn.MaxPool3d((2, 2, 2), stride=2)
        self.poolspa = nn.AdaptiveAvgPool3d((frames, 1, 1))

    def forward(self, x):
        x_visual = x
        length = x.shape[2]
        x = self.MaxpoolSpa(self.ConvBlock1(x))
        x = self.ConvBlock2(x)
        x = self.MaxpoolSpaTem(self.ConvBlock3(x))
        x = self.ConvBlock4(x)
        x_visual3232 = self.ConvBlock5(x)
        x = self.MaxpoolSpaTem(x_visual3232)
        x = self.ConvBlock6(x)
        x_visual1616 = self.ConvBlock7(x)
        x = self.MaxpoolSpa(x_visual1616)
        x = self.ConvBlock9(self.ConvBlock8(x))
        x = self.upsample2(self.upsample(x))
        # The toolbox pools to (frames, 1, 1); with T == frames that is a spatial mean.
        x = self.ConvBlock10(self.poolspa(x))
        rppg = x.view(-1, length)
        if self.return_tuple:
            return rppg, x_visual, x_visual3232, x_visual1616
        return rppg


FACTORIZEPHYS_NF = [8, 12, 16]


class _FPConvBlock(nn.Module):
    """Conv3d(bias=False) -> Tanh -> InstanceNorm3d (affine off), as the toolbox's ConvBlock3D."""

    def __init__(self, cin, cout, stride, padding):
        super().__init__()
        self.conv_block_3d = nn.Sequential(
            nn.Conv3d(cin, cout, 3, stride, padding=padding, bias=False),
            nn.Tanh(), nn.InstanceNorm3d(cout))

    def forward(self, x):
        return self.conv_block_3d(x)


class _FSAMKeys(nn.Module):
    """Only the parameters of the toolbox's FeaturesFactorizationModule (NMF, align = nf[2]//2),
    so that the state dict has its four keys. Unused at inference with FSAM off."""

    def __init__(self, inc, align):
        super().__init__()
        self.pre_conv_block = nn.Sequential(nn.Conv3d(inc, align, 1), nn.ReLU(inplace=True))
        post = nn.Module()
        post.conv = nn.Conv3d(align, align, 1, bias=False)
        self.post_conv_block = nn.Sequential(post, nn.Conv3d(align, inc, 1, bias=False))


class _FPFeatureExtractor(nn.Module):
    def __init__(self, inch, nf, dropout):
        super().__init__()
        self.FeatureExtractor = nn.Sequential(
            _FPConvBlock(inch, nf[0], 1, 1),
            _FPConvBlock(nf[0], nf[1], (1, 2, 2), (1, 0, 0)),
            _FPConvBlock(nf[1], nf[1], 1, (1, 0, 0)),
            nn.Dropout3d(dropout),
            _FPConvBlock(nf[1], nf[1], 1, (1, 0, 0)),
            _FPConvBlock(nf[1], nf[2], (1, 2, 2), (1, 0, 0)),
            _FPConvBlock(nf[2], nf[2], 1, (1, 0, 0)),
            nn.Dropout3d(dropout))

    def forward(self, x):
        return self.FeatureExtractor(x)


class _FPHead(nn.Module):
    def __init__(self, nf, dropout, fsam_keys):
        super().__init__()
        self.conv_block = nn.Sequential(
            _FPConvBlock(nf[2], nf[2], 1, (1, 0, 0)),
            _FPConvBlock(nf[2], nf[2], 1, (1, 0, 0)),
            _FPConvBlock(nf[2], nf[2], 1, (1, 0, 0)),
            nn.Dropout3d(dropout))
        if fsam_keys:
            self.fsam = _FSAMKeys(nf[2], nf[2] // 2)
        self.final_layer = nn.Sequential(
            _FPConvBlock(nf[2], nf[1], 1, (1, 0, 0)),
            _FPConvBlock(nf[1], nf[0], 1, (1, 0, 0)),
            nn.Conv3d(nf[0], 1, 3, stride=1, padding=(1, 0, 0), bias=False))

    def forward(self, x, length):
        return self.final_layer(self.conv_block(x)).view(-1, length)


class FactorizePhys(nn.Module):
    """rPPG-Toolbox FactorizePhys (in_channels 3, FSAM off at inference), state-dict compatible."""

    def __init__(self, frames=160, in_channels=3, dropout=0.1, fsam_keys=True, pad_last_frame=True):
        super().__init__()
        assert in_channels == 3, 'only the RGB variant is in the zoo'
        self.pad_last_frame = pad_last_frame
        self.norm = nn.InstanceNorm3d(in_channels)
        self.rppg_feature_extractor = _FPFeatureExtractor(in_channels, FACTORIZEPHYS_NF, dropout)
        self.rppg_head = _FPHead(FACTORIZEPHYS_NF, dropout, fsam_keys)

    def forward(self, x):
        if self.pad_last_frame:  # what the toolbox trainer/tester does before calling the model
            x = torch.cat((x, x[:, :, -1:, :, :]), 2)
        length = x.shape[2]
        x = self.norm(torch.diff(x, dim=2))
        return self.rppg_head(self.rppg_feature_extractor(x), length - 1)


# ---- rPPG-Toolbox's 2-D convolutional-attention family: DeepPhys, TS-CAN, EfficientPhys ----
# Frame models: input [N*T, C, H, W] (one row per frame), output [N*T, 1]. Keys as the toolbox's
# neural_methods/model/{DeepPhys,TS_CAN,EfficientPhys}.py (including its "apperance" spelling).
# The dense layer's width fixes the frame side: 3136 -> 36, 16384 -> 72 (the toolbox's sizes).
CAN_DENSE_IN = {36: 3136, 72: 16384, 96: 30976, 128: 57600}
CAN_FRAME_DEPTH = 10  # the toolbox configs' FRAME_DEPTH for TS-CAN and EfficientPhys


def attention_mask(g):
    """The toolbox's soft-attention L1 normalisation: g / sum_{H,W}(g) * H * W * 0.5."""
    s = g.sum(dim=(2, 3), keepdim=True)
    return g / s * g.shape[2] * g.shape[3] * 0.5


def temporal_shift(x, segments, fold_div=3):
    """TSM: within each segment of `segments` frames, the first C/3 channels come from the next
    frame, the next C/3 from the previous one (zeros at the segment's ends), the rest stay."""
    nt, c, h, w = x.shape
    v = x.view(nt // segments, segments, c, h, w)
    fold = c // fold_div
    out = torch.zeros_like(v)
    out[:, :-1, :fold] = v[:, 1:, :fold]
    out[:, 1:, fold:2 * fold] = v[:, :-1, fold:2 * fold]
    out[:, :, 2 * fold:] = v[:, :, 2 * fold:]
    return out.view(nt, c, h, w)


class _CANBase(nn.Module):
    """The layers DeepPhys, TS-CAN and EfficientPhys share; `appearance` adds the second branch."""

    def __init__(self, img_size, appearance):
        super().__init__()
        f1, f2 = 32, 64
        self.motion_conv1 = nn.Conv2d(3, f1, 3, padding=1)
        self.motion_conv2 = nn.Conv2d(f1, f1, 3)
        self.motion_conv3 = nn.Conv2d(f1, f2, 3, padding=1)
        self.motion_conv4 = nn.Conv2d(f2, f2, 3)
        if appearance:
            self.apperance_conv1 = nn.Conv2d(3, f1, 3, padding=1)
            self.apperance_conv2 = nn.Conv2d(f1, f1, 3)
            self.apperance_conv3 = nn.Conv2d(f1, f2, 3, padding=1)
            self.apperance_conv4 = nn.Conv2d(f2, f2, 3)
        self.apperance_att_conv1 = nn.Conv2d(f1, 1, 1)
        self.apperance_att_conv2 = nn.Conv2d(f2, 1, 1)
        self.pool = nn.AvgPool2d(2)
        self.dropout_1, self.dropout_4 = nn.Dropout(0.25), nn.Dropout(0.5)
        self.final_dense_1 = nn.Linear(CAN_DENSE_IN[img_size], 128)
        self.final_dense_2 = nn.Linear(128, 1)

    def gate(self, conv, d, r):
        return d * attention_mask(torch.sigmoid(conv(r)))

    def head(self, gated2):
        d = self.dropout_1(self.pool(gated2)).flatten(1)
        return self.final_dense_2(self.dropout_4(torch.tanh(self.final_dense_1(d))))


class DeepPhys(_CANBase):
    """rPPG-Toolbox DeepPhys: input [N*T, 6, H, W], channels 0-2 DiffNormalized (motion),
    3-5 Standardized (appearance); output [N*T, 1]."""

    def __init__(self, img_size=72, frame_depth=None):
        super().__init__(img_size, appearance=True)
        self.shift = None

    def tsm(self, x):
        return x if self.shift is None else temporal_shift(x, self.shift)

    def forward(self, x):
        d, r = x[:, :3], x[:, 3:]
        d2 = torch.tanh(self.motion_conv2(self.tsm(torch.tanh(self.motion_conv1(self.tsm(d))))))
        r2 = torch.tanh(self.apperance_conv2(torch.tanh(self.apperance_conv1(r))))
        d4 = self.dropout_1(self.pool(self.gate(self.apperance_att_conv1, d2, r2)))
        r4 = self.dropout_1(self.pool(r2))
        d6 = torch.tanh(self.motion_conv4(self.tsm(torch.tanh(self.motion_conv3(self.tsm(d4))))))
        r6 = torch.tanh(self.apperance_conv4(torch.tanh(self.apperance_conv3(r4))))
        return self.head(self.gate(self.apperance_att_conv2, d6, r6))


class TSCAN(DeepPhys):
    """rPPG-Toolbox TSCAN: DeepPhys with a temporal shift (segments of frame_depth frames)
    before each motion conv. N*T must be a multiple of frame_depth."""

    def __init__(self, img_size=72, frame_depth=CAN_FRAME_DEPTH):
        super().__init__(img_size)
        self.shift = frame_depth


class EfficientPhys(_CANBase):
    """rPPG-Toolbox EfficientPhys: input [N*T + 1, 3, H, W] raw (Standardized) frames; the model
    takes torch.diff over the frame axis (the toolbox trainer appends a copy of the last frame),
    then BatchNorm2d(3), TS-CAN's motion branch with self-attention; output [N*T, 1]."""

    def __init__(self, img_size=72, frame_depth=CAN_FRAME_DEPTH):
        super().__init__(img_size, appearance=False)
        self.shift = frame_depth
        self.batch_norm = nn.BatchNorm2d(3)

    def forward(self, x):
        s = self.shift
        x = self.batch_norm(torch.diff(x, dim=0))
        d2 = torch.tanh(self.motion_conv2(temporal_shift(torch.tanh(self.motion_conv1(temporal_shift(x, s))), s)))
        d4 = self.dropout_1(self.pool(self.gate(self.apperance_att_conv1, d2, d2)))
        d6 = torch.tanh(self.motion_conv4(temporal_shift(torch.tanh(self.motion_conv3(temporal_shift(d4, s))), s)))
        return self.head(self.gate(self.apperance_att_conv2, d6, d6))


# ---- rPPG-Toolbox iBVPNet (neural_methods/model/iBVPNet.py, in_channels 3) ----
IBVPNET_NF = [8, 16, 24, 40, 64]


class _IBConvBlock(nn.Module):
    """Conv3d (bias on) -> Tanh -> InstanceNorm3d (affine off), the toolbox's ConvBlock3D."""

    def __init__(self, cin, cout, kernel, stride, padding):
        super().__init__()
        self.conv_block_3d = nn.Sequential(nn.Conv3d(cin, cout, kernel, stride, padding),
                                           nn.Tanh(), nn.InstanceNorm3d(cout))

    def forward(self, x):
        return self.conv_block_3d(x)


class _IBDeconvBlock(nn.Module):
    """ConvTranspose3d in time, Conv3d in space, each -> Tanh -> InstanceNorm3d; `padding` is
    given to both (the toolbox's DeConvBlock3D), which trims space by 2 and pads time by 4."""

    def __init__(self, cin, cout, kernel, stride, padding):
        super().__init__()
        kt, ks1, ks2 = kernel
        st, ss1, ss2 = stride
        self.deconv_block_3d = nn.Sequential(
            nn.ConvTranspose3d(cin, cin, (kt, 1, 1), (st, 1, 1), padding), nn.Tanh(), nn.InstanceNorm3d(cin),
            nn.Conv3d(cin, cout, (1, ks1, ks2), (1, ss1, ss2), padding), nn.Tanh(), nn.InstanceNorm3d(cout))

    def forward(self, x):
        return self.deconv_block_3d(x)


class _IBEncoder(nn.Module):
    def __init__(self, cin):
        super().__init__()
        nf, B = IBVPNET_NF, _IBConvBlock
        self.spatio_temporal_encoder = nn.Sequential(
            B(cin, nf[0], [1, 3, 3], [1, 1, 1], [0, 1, 1]), B(nf[0], nf[1], [3, 3, 3], [1, 1, 1], [1, 1, 1]),
            nn.MaxPool3d((1, 2, 2), stride=(1, 2, 2)),
            B(nf[1], nf[2], [1, 3, 3], [1, 1, 1], [0, 1, 1]), B(nf[2], nf[3], [3, 3, 3], [1, 1, 1], [1, 1, 1]),
            nn.MaxPool3d((1, 2, 2), stride=(1, 2, 2)),
            B(nf[3], nf[4], [1, 3, 3], [1, 1, 1], [0, 1, 1]), B(nf[4], nf[4], [3, 3, 3], [1, 1, 1], [1, 1, 1]))
        self.temporal_encoder = nn.Sequential(
            B(nf[4], nf[4], [11, 1, 1], [1, 1, 1], [5, 0, 0]), B(nf[4], nf[4], [11, 3, 3], [1, 1, 1], [5, 1, 1]),
            nn.MaxPool3d((2, 2, 2), stride=(2, 2, 2)),
            B(nf[4], nf[4], [11, 1, 1], [1, 1, 1], [5, 0, 0]), B(nf[4], nf[4], [11, 3, 3], [1, 1, 1], [5, 1, 1]),
            nn.MaxPool3d((2, 2, 2), stride=(2, 1, 1)),
            B(nf[4], nf[4], [7, 1, 1], [1, 1, 1], [3, 0, 0]), B(nf[4], nf[4], [7, 3, 3], [1, 1, 1], [3, 1, 1]))

    def forward(self, x):
        return self.temporal_encoder(self.spatio_temporal_encoder(x))


class _IBDecoder(nn.Module):
    def __init__(self):
        super().__init__()
        nf = IBVPNET_NF
        self.decoder_block = nn.Sequential(_IBDeconvBlock(nf[4], nf[3], [7, 3, 3], [2, 2, 2], [2, 1, 1]),
                                           _IBDeconvBlock(nf[3], nf[2], [7, 3, 3], [2, 2, 2], [2, 1, 1]))

    def forward(self, x):
        return self.decoder_block(x)


class IBVPNet(nn.Module):
    """rPPG-Toolbox iBVPNet (in_channels 3), state-dict compatible: torch.diff over time, an
    InstanceNorm3d, encoder, decoder, AdaptiveMaxPool3d((frames, 1, 1)) and a 1x1x1 conv. As the
    toolbox's iBVPNetTrainer, the last frame is repeated first, so [N,3,T,S,S] gives [N,T] with
    `frames` = T. The decoder's time length is T + 15 (for T a multiple of 4), so the adaptive pool
    has uneven windows; S must give a 1x1 decoder output (64 or 72; the toolbox uses 72)."""

    def __init__(self, frames=160, in_channels=3, pad_last_frame=True):
        super().__init__()
        assert in_channels == 3, 'only the RGB variant is in the zoo'
        self.pad_last_frame = pad_last_frame
        self.norm = nn.InstanceNorm3d(in_channels)
        self.ibvpnet = nn.Sequential(_IBEncoder(in_channels), _IBDecoder(),
                                     nn.AdaptiveMaxPool3d((frames, 1, 1)),
                                     nn.Conv3d(IBVPNET_NF[2], 1, [1, 1, 1], stride=1, padding=0))

    def forward(self, x):
        if self.pad_last_frame:
            x = torch.cat((x, x[:, :, -1:, :, :]), 2)
        length = x.shape[2]
        x = self.norm(torch.diff(x, dim=2))
        return self.ibvpnet(x).view(-1, length - 1)


from pytorch_physformer import PhysFormer  # noqa: E402  (rPPG-Toolbox PhysFormer, its own file)

ZOO = {'tinypulse': TinyPulse, 'physnet': PhysNet, 'factorizephys': FactorizePhys, 'tinypulse2d': TinyPulse2D,
       'deepphys': DeepPhys, 'tscan': TSCAN, 'efficientphys': EfficientPhys, 'ibvpnet': IBVPNet,
       'physformer': PhysFormer}
# The frame models' T: the toolbox's CHUNK_LENGTH (180, a multiple of frame_depth 10).
DEFAULT_FRAMES = {'tinypulse': 128, 'physnet': 128, 'factorizephys': 160, 'tinypulse2d': 128,
                  'deepphys': 180, 'tscan': 180, 'efficientphys': 180, 'ibvpnet': 160, 'physformer': 160}
INPUT_SIZE = {'tinypulse': 36, 'physnet': 72, 'factorizephys': 72, 'tinypulse2d': 36,
              'deepphys': 72, 'tscan': 72, 'efficientphys': 72, 'ibvpnet': 72, 'physformer': 128}
FRAME_MODELS = ('deepphys', 'tscan', 'efficientphys')


def example_input(name, batch, frames, size, generator=None):
    """A random input of the model's layout: clips [N,3,T,S,S], or frames [N*T(+1), C, S, S]."""
    if name not in FRAME_MODELS:
        return torch.randn(batch, 3, frames, size, size, generator=generator)
    if name == 'efficientphys':
        return torch.randn(batch * frames + 1, 3, size, size, generator=generator)
    return torch.randn(batch * frames, 6, size, size, generator=generator)


def build(name, frames=None, img_size=None, state_dict=None):
    """A zoo model in eval mode by its CLI name (tinypulse | physnet | factorizephys | tinypulse2d |
    deepphys | tscan | efficientphys | ibvpnet | physformer). `img_size` only matters for the frame
    models (36 or 72); `state_dict` only for PhysFormer, whose widths and depth it implies."""
    frames = frames or DEFAULT_FRAMES[name]
    if name == 'physformer':
        return (PhysFormer.from_state_dict(state_dict, frames) if state_dict else PhysFormer(frames=frames)).eval()
    if name in FRAME_MODELS:
        return ZOO[name](img_size=img_size or INPUT_SIZE[name]).eval()
    model = ZOO[name]() if name in ('tinypulse', 'tinypulse2d') else ZOO[name](frames=frames)
    return model.eval()


def randomize_buffers_(model, seed=0):
    """Non-trivial BatchNorm statistics so that tests exercise BN folding (fresh BN is identity)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm3d)):
                m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=g) * 0.5 + 0.75)
                m.weight.copy_(torch.rand(m.num_features, generator=g) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.1)
    return model


if __name__ == '__main__':
    for name in ZOO:
        m = build(name)
        s = INPUT_SIZE[name]
        t = DEFAULT_FRAMES[name]
        with torch.no_grad():
            y = m(example_input(name, 1, t, s))
        print(name, tuple(y.shape), sum(p.numel() for p in m.parameters()), 'params,',
              len(m.state_dict()), 'keys')
    sd = torch.load('/work/shared/checkpoints/PURE_PhysNet_DiffNormalized.pth', map_location='cpu')
    print('PURE PhysNet strict load:', PhysNet().load_state_dict(sd, strict=True))
