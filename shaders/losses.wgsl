// Losses on the output layer's record, one invocation per sample (deterministic), matching
// computeLoss in src/core/train/losses.ts. Writes each sample's loss (already divided by the
// batch size, so the host sums them) and dL/dmembrane or dL/dspikes for every (t, j).
// Layouts: membrane, spikes, gradients [b][t][j]; labels [b]; target times [b][j].

override OUTPUTS: u32 = 1u;
override STEPS: u32 = 1u;
// 0 = ceSumMembrane, 1 = ceMaxMembrane, 2 = spikeCount, 3 = spikeTime, 4 = firstSpikeTime.
override LOSS: u32 = 0u;
// Classification targets (labels) or target first-spike times.
override LABELS: bool = true;
// spikeTime's filter: SLAYER's alpha kernel (n / tau) e^(1 - n / tau) instead of exp(-n / tau).
override ALPHA_TRACE: bool = false;

struct Params {
  batch: u32,
  threshold: f32,
  // spikeCount: trueRate, falseRate; spikeTime: trace decay per step; firstSpikeTime: time scale, silent margin.
  a: f32,
  b: f32,
}

@group(0) @binding(0) var<storage, read> membrane: array<f32>;
@group(0) @binding(1) var<storage, read> spikes: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read> target_times: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad: array<f32>;
@group(0) @binding(5) var<storage, read_write> sample_loss: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

fn at(b: u32, t: u32, j: u32) -> u32 {
  return (b * STEPS + t) * OUTPUTS + j;
}

fn logit(b: u32, j: u32) -> f32 {
  var v = 0.0;
  if (LOSS == 0u) {
    for (var t = 0u; t < STEPS; t++) {
      v += membrane[at(b, t, j)];
    }
  } else {
    v = membrane[at(b, 0u, j)];
    for (var t = 1u; t < STEPS; t++) {
      v = max(v, membrane[at(b, t, j)]);
    }
  }
  return v;
}

fn argmax_step(b: u32, j: u32) -> u32 {
  var best = 0u;
  for (var t = 1u; t < STEPS; t++) {
    if (membrane[at(b, t, j)] > membrane[at(b, best, j)]) {
      best = t;
    }
  }
  return best;
}

fn cross_entropy(b: u32) -> f32 {
  let n = f32(params.batch);
  let label = labels[b];
  var top = logit(b, 0u);
  for (var j = 1u; j < OUTPUTS; j++) {
    top = max(top, logit(b, j));
  }
  var z = 0.0;
  for (var j = 0u; j < OUTPUTS; j++) {
    z += exp(logit(b, j) - top);
  }
  for (var j = 0u; j < OUTPUTS; j++) {
    var g = exp(logit(b, j) - top) / z;
    if (j == label) {
      g -= 1.0;
    }
    g /= n;
    if (LOSS == 0u) {
      for (var t = 0u; t < STEPS; t++) {
        grad[at(b, t, j)] = g;
      }
    } else {
      let best = argmax_step(b, j);
      for (var t = 0u; t < STEPS; t++) {
        grad[at(b, t, j)] = select(0.0, g, t == best);
      }
    }
  }
  return (log(z) + top - logit(b, label)) / n;
}

fn spike_count(b: u32) -> f32 {
  let n = f32(params.batch);
  var loss = 0.0;
  for (var j = 0u; j < OUTPUTS; j++) {
    var count = 0.0;
    for (var t = 0u; t < STEPS; t++) {
      count += spikes[at(b, t, j)];
    }
    let rate = select(params.b, params.a, j == labels[b]);
    let e = count - f32(STEPS) * rate;
    loss += 0.5 * e * e / n;
    for (var t = 0u; t < STEPS; t++) {
      grad[at(b, t, j)] = e / n;
    }
  }
  return loss;
}

fn target_spike(b: u32, t: u32, j: u32) -> f32 {
  if (LABELS) {
    // params.b: the true class's target window [0, b) in steps; 0 = every step.
    let in_window = params.b == 0.0 || f32(t) < params.b;
    return select(0.0, 1.0, labels[b] == j && in_window);
  }
  return select(0.0, 1.0, i32(round(target_times[b * OUTPUTS + j])) == i32(t));
}

fn spike_time(b: u32) -> f32 {
  let n = f32(params.batch);
  let decay = params.a;
  // The alpha kernel is (e / tau) n decay^n, with decay = e^(-1 / tau): two recursions (x, y).
  var scale = 1.0;
  if (ALPHA_TRACE) {
    scale = 2.718281828459045 * -log(decay);
  }
  var loss = 0.0;
  for (var j = 0u; j < OUTPUTS; j++) {
    var x = 0.0;
    var y = 0.0;
    var x_hat = 0.0;
    var y_hat = 0.0;
    for (var t = 0u; t < STEPS; t++) {
      if (ALPHA_TRACE) {
        y = decay * (y + x);
        y_hat = decay * (y_hat + x_hat);
      }
      x = decay * x + spikes[at(b, t, j)];
      x_hat = decay * x_hat + target_spike(b, t, j);
      var e = x - x_hat;
      if (ALPHA_TRACE) {
        e = scale * (y - y_hat);
      }
      loss += 0.5 * e * e / n;
      // The error is kept in the gradient buffer, then filtered backwards in time below.
      grad[at(b, t, j)] = e;
    }
    var back = 0.0;
    var back_y = 0.0;
    for (var k = 0u; k < STEPS; k++) {
      let t = STEPS - 1u - k;
      if (ALPHA_TRACE) {
        back_y = decay * (back_y + back);
      }
      back = decay * back + grad[at(b, t, j)];
      if (ALPHA_TRACE) {
        grad[at(b, t, j)] = scale * back_y / n;
      } else {
        grad[at(b, t, j)] = back / n;
      }
    }
  }
  return loss;
}

fn first_spike_time(b: u32) -> f32 {
  let n = f32(params.batch);
  let theta = params.threshold;
  var loss = 0.0;
  for (var j = 0u; j < OUTPUTS; j++) {
    for (var t = 0u; t < STEPS; t++) {
      grad[at(b, t, j)] = 0.0;
    }
    let tgt = target_times[b * OUTPUTS + j];
    var first = -1;
    for (var t = 0u; t < STEPS; t++) {
      if (membrane[at(b, t, j)] >= theta) {
        first = i32(t);
        break;
      }
    }
    if (first < 0) {
      let tt = u32(clamp(round(tgt), 0.0, f32(STEPS - 1u)));
      let gap = params.b * theta - membrane[at(b, tt, j)];
      if (gap > 0.0) {
        loss += gap / n;
        grad[at(b, tt, j)] = -1.0 / n;
      }
      continue;
    }
    if (first == 0) {
      continue;
    }
    let f = u32(first);
    let u0 = membrane[at(b, f - 1u, j)];
    let u1 = membrane[at(b, f, j)];
    let du = u1 - u0;
    let t_star = f32(f) - 1.0 + (theta - u0) / du;
    let e = (t_star - (tgt - 0.5)) / params.a;
    loss += e * e / n;
    let dldt = 2.0 * e / params.a / n;
    grad[at(b, f, j)] = dldt * (-(theta - u0) / (du * du));
    grad[at(b, f - 1u, j)] = dldt * (-(u1 - theta) / (du * du));
  }
  return loss;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(
  @builtin(global_invocation_id) gid: vec3u,
  @builtin(num_workgroups) groups: vec3u,
) {
  let b = linear_index(gid, groups);
  if (b >= params.batch) {
    return;
  }
  var loss = 0.0;
  switch LOSS {
    case 0u, 1u: {
      loss = cross_entropy(b);
    }
    case 2u: {
      loss = spike_count(b);
    }
    case 3u: {
      loss = spike_time(b);
    }
    default: {
      loss = first_spike_time(b);
    }
  }
  sample_loss[b] = loss;
}
