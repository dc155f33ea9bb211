// i-exp unit (I-BERT softmax exponent): one element per cycle, result two cycles later. Bit-exact with
// models::ibert::exp(); the per-scale constants of ExpParams (make_exp_params) are run-time inputs.
//   stage 1: q clamped to [-(2^32 - 1), 0]; t = round(-q * to_log2); z = t >> 16, f = t mod 2^16
//   stage 2: v = (-f + q_b)^2 + q_c; out = round(v * to_out / 2^(to_out.shift + z)), 0 when the shift > 62
`default_nettype none
module iexp (
    input  wire               clk,
    input  wire               in_valid,
    input  wire signed [63:0] in_q,
    // ExpParams
    input  wire        [31:0] to_log2_multiplier,
    input  wire        [6:0]  to_log2_shift,
    input  wire signed [63:0] poly_q_b,
    input  wire signed [63:0] poly_q_c,
    input  wire        [31:0] to_out_multiplier,
    input  wire        [6:0]  to_out_shift,
    output reg                out_valid,
    output reg  signed [31:0] out_q
);
`include "round_shift.vh"
  localparam integer FRAC_BITS = 16;  // ExpParams::kFracBits
  localparam signed [63:0] MIN_INPUT = -64'sd4294967295;

  // ---- stage 1 ----
  wire signed [63:0] qc = (in_q < MIN_INPUT) ? MIN_INPUT : ((in_q > 64'sd0) ? 64'sd0 : in_q);
  wire signed [63:0] t = round_shift((-qc) * $signed({32'd0, to_log2_multiplier}), to_log2_shift);
  wire signed [63:0] z = t >>> FRAC_BITS;
  wire signed [63:0] f = t & 64'sh000000000000ffff;
  wire signed [63:0] shift = $signed({57'd0, to_out_shift}) + z;

  reg               s1_valid;
  reg signed [63:0] s1_f;
  reg signed [63:0] s1_shift;
  always @(posedge clk) begin
    s1_valid <= in_valid;
    s1_f <= f;
    s1_shift <= shift;
  end

  // ---- stage 2 ----
  wire signed [63:0] p = -s1_f + poly_q_b;
  wire signed [63:0] v = p * p + poly_q_c;
  /* verilator lint_off UNUSEDSIGNAL */
  wire signed [63:0] r = round_shift(v * $signed({32'd0, to_out_multiplier}), s1_shift[6:0]);  // < 2^31 when the shift is <= 62
  /* verilator lint_on UNUSEDSIGNAL */
  always @(posedge clk) begin
    out_valid <= s1_valid;
    out_q <= (s1_shift > 64'sd62) ? 32'sd0 : r[31:0];
  end
endmodule
`default_nettype wire
