// i-GELU unit (I-BERT): one int32 element per cycle, result two cycles later (the activation units'
// `latency_cycles` = 2 multiplier pipe). Bit-exact with models::ibert::gelu(); the per-scale constants of
// GeluParams (make_gelu_params) are run-time inputs, as Gemmini's activation configuration registers are.
//   stage 1: |q| pre-shifted and clipped -> u; erf polynomial (u + q_b)^2 + q_c; sign; h = dyadic(1 + erf)
//   stage 2: out = saturate_i32(round(q * h / 2^(24 - out_extra_bits)))
`default_nettype none
module igelu (
    input  wire               clk,
    input  wire               in_valid,
    input  wire signed [31:0] in_q,
    // GeluParams
    input  wire signed [7:0]  pre_shift,
    input  wire signed [63:0] erf_q_b,
    input  wire signed [63:0] erf_q_c,
    input  wire signed [63:0] erf_clip,
    input  wire        [31:0] to_h_multiplier,
    input  wire        [6:0]  to_h_shift,
    input  wire        [6:0]  out_extra_bits,
    output reg                out_valid,
    output reg  signed [31:0] out_q
);
`include "round_shift.vh"
  localparam integer H_BITS = 24;  // GeluParams::kHBits

  // ---- stage 1 ----
  wire signed [63:0] q64 = {{32{in_q[31]}}, in_q};
  wire signed [63:0] aq = in_q[31] ? -q64 : q64;
  wire [6:0] lshift = pre_shift[6:0];
  wire [6:0] rshift = 7'(-pre_shift);
  wire signed [63:0] lim = (erf_clip >>> lshift) + 64'sd1;
  wire signed [63:0] shl = aq <<< lshift;
  wire signed [63:0] rsh = round_shift(aq, rshift);
  wire signed [63:0] u = !pre_shift[7] ? ((aq >= lim) ? erf_clip : ((shl < erf_clip) ? shl : erf_clip))
                                        : ((rsh < erf_clip) ? rsh : erf_clip);
  wire signed [63:0] t = u + erf_q_b;
  wire signed [63:0] mag = t * t + erf_q_c;
  wire signed [63:0] q_erf = in_q[31] ? -mag : ((in_q != 32'sd0) ? mag : 64'sd0);
  wire signed [63:0] one_plus_erf = -(q_erf + erf_q_c);
  wire signed [63:0] h = round_shift(one_plus_erf * $signed({32'd0, to_h_multiplier}), to_h_shift);

  reg               s1_valid;
  reg signed [63:0] s1_q;
  reg signed [63:0] s1_h;
  always @(posedge clk) begin
    s1_valid <= in_valid;
    s1_q <= q64;
    s1_h <= h;
  end

  // ---- stage 2 ----
  wire [6:0] out_shift = 7'(H_BITS) - out_extra_bits;
  always @(posedge clk) begin
    out_valid <= s1_valid;
    out_q <= saturate_i32(round_shift(s1_q * s1_h, out_shift));
  end
endmodule
`default_nettype wire
