// The normalizer's reduction lanes: LANES int32 elements per cycle reduced into one row statistic, as the
// engine's Normalizer models them (a pass takes ceil(elements / LANES) cycles, then LATENCY cycles of pipeline
// before the statistic is available; sim/engine/normalizer.h). Two modes, bit-exact with the models/ pass
// kernels:
//   MODE_SUM (0):     count, sum (int64), min, max       = models::ibert::layernorm_accumulate (pass 1 of
//                     LayerNorm); max alone is softmax_max; the sum of i-exp values is softmax_exp_sum
//   MODE_SQUARES (1): var_sum (uint64) of d^2, d = layernorm_centered(x, {origin, shift, mean_rel})
//                     = models::ibert::layernorm_accumulate_squares (pass 2 of LayerNorm)
// A pass is the beats from in_first to in_last; in_mask marks the valid lanes of a beat (the last beat of a
// row may be partial). The statistic is on the outputs, with out_valid high for one cycle, LATENCY cycles
// after the cycle that follows the last beat.
`default_nettype none
module norm_lanes #(
    parameter integer LANES = 4,
    parameter integer LATENCY = 4   // >= 1
) (
    input  wire                  clk,
    input  wire                  rst,
    input  wire                  in_valid,
    input  wire                  in_first,
    input  wire                  in_last,
    input  wire [LANES-1:0]      in_mask,
    input  wire [LANES*32-1:0]   in_data,
    input  wire                  mode,        // 0: sum/min/max, 1: sum of squared deviations
    input  wire signed [31:0]    origin,      // LayerNormCenter
    input  wire signed [7:0]     shift,
    input  wire signed [63:0]    mean_rel,
    output wire                  out_valid,
    output wire [63:0]           out_count,
    output wire signed [63:0]    out_sum,
    output wire signed [31:0]    out_min,
    output wire signed [31:0]    out_max,
    output wire [63:0]           out_var_sum
);
`include "round_shift.vh"
  localparam integer W = 64 + 64 + 32 + 32 + 64;  // count, sum, min, max, var_sum

  // ---- one beat, combinational over the lanes ----
  reg signed [63:0] beat_sum;
  reg signed [31:0] beat_min, beat_max;
  reg        [63:0] beat_sq;
  reg        [63:0] beat_count;
  reg signed [63:0] rel, scaled, d;
  integer l;
  always @* begin
    beat_sum = '0;
    beat_min = 32'sh7fffffff;
    beat_max = 32'sh80000000;
    beat_sq = '0;
    beat_count = '0;
    for (l = 0; l < LANES; l = l + 1) begin
      rel = $signed({{32{in_data[l*32+31]}}, in_data[l*32 +: 32]}) - $signed({{32{origin[31]}}, origin});
      scaled = !shift[7] ? (rel <<< shift[6:0]) : round_shift(rel, 7'(-shift));
      d = scaled - mean_rel;
      if (in_mask[l]) begin
        beat_count = beat_count + 64'd1;
        beat_sum = beat_sum + $signed({{32{in_data[l*32+31]}}, in_data[l*32 +: 32]});
        if ($signed(in_data[l*32 +: 32]) < beat_min) beat_min = in_data[l*32 +: 32];
        if ($signed(in_data[l*32 +: 32]) > beat_max) beat_max = in_data[l*32 +: 32];
        if (mode) beat_sq = beat_sq + 64'(d * d);
      end
    end
  end

  // ---- accumulators ----
  reg        [63:0] acc_count;
  reg signed [63:0] acc_sum;
  reg signed [31:0] acc_min, acc_max;
  reg        [63:0] acc_sq;
  reg               acc_done;
  always @(posedge clk) begin
    if (rst) begin
      acc_count <= '0;
      acc_sum <= '0;
      acc_min <= 32'sh7fffffff;
      acc_max <= 32'sh80000000;
      acc_sq <= '0;
      acc_done <= 1'b0;
    end else begin
      acc_done <= in_valid && in_last;
      if (in_valid) begin
        acc_count <= (in_first ? 64'd0 : acc_count) + beat_count;
        acc_sum <= (in_first ? 64'sd0 : acc_sum) + beat_sum;
        acc_sq <= (in_first ? 64'd0 : acc_sq) + beat_sq;
        acc_min <= (!in_first && acc_min < beat_min) ? acc_min : beat_min;
        acc_max <= (!in_first && acc_max > beat_max) ? acc_max : beat_max;
      end
    end
  end

  // ---- LATENCY pipeline stages behind the accumulator ----
  reg [W-1:0] pipe [LATENCY];
  reg [LATENCY-1:0] pipe_valid;
  integer s;
  always @(posedge clk) begin
    if (rst) pipe_valid <= '0;
    else pipe_valid <= LATENCY'({pipe_valid, acc_done});
    pipe[0] <= {acc_count, acc_sum, acc_min, acc_max, acc_sq};
    for (s = 1; s < LATENCY; s = s + 1) pipe[s] <= pipe[s-1];
  end
  assign out_valid = pipe_valid[LATENCY-1];
  assign {out_count, out_sum, out_min, out_max, out_var_sum} = pipe[LATENCY-1];
endmodule
`default_nettype wire
