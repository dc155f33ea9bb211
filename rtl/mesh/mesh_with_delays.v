// MeshWithDelays: the weight-stationary mesh with its input skew and output de-skew registers and the port
// control that the engine's mesh model (sim/engine/mesh.h) describes.
//
// Left port (A, one row per cycle): the first row of a compute (a_first) may enter when the port is idle;
// a COMPUTE_PRELOADED (a_flip on its first row) also waits until the last preload is complete. The rows of
// one compute then stream back to back until a_last. The port stays occupied for at least 4 cycles from a
// compute's first row (the 4-row floor that keeps writes to one accumulator address 4 cycles apart).
// Top port (B, one weight row per cycle): the first beat of a preload may enter when the port is idle and the
// shadow weights are free, i.e. the previous preload has been flipped into the active weights (the flip may
// happen in the same cycle). Beats stream until b_last; the port, and so the preload, is complete at least 4
// cycles after its first beat.
// Timing: row i of a compute whose first row enters at s leaves (out_valid, all DIM columns aligned) at
// s + i + LATENCY, LATENCY = 2*DIM - 1 + OUT_DELAY. Results are the int8 x int8 dot products in PSUM_W bits,
// sign-extended to ACC_W.
`default_nettype none
module mesh_with_delays #(
    parameter integer DIM = 16,
    parameter integer IN_W = 8,
    parameter integer PSUM_W = 20,
    parameter integer ACC_W = 32,
    parameter integer OUT_DELAY = 1,
    parameter integer MIN_ROWS = 4
) (
    input  wire                  clk,
    input  wire                  rst,
    // left port: A rows
    input  wire                  a_valid,
    output wire                  a_ready,
    input  wire [DIM*IN_W-1:0]   a_data,
    input  wire                  a_first,
    input  wire                  a_flip,
    input  wire                  a_last,
    // top port: B rows (weights, preload)
    input  wire                  b_valid,
    output wire                  b_ready,
    input  wire [DIM*IN_W-1:0]   b_data,
    input  wire                  b_first,
    input  wire                  b_last,
    // output rows
    output wire                  out_valid,
    output wire [DIM*ACC_W-1:0]  out_data,
    // status
    output wire                  shadow_loaded_o,
    output wire                  weights_ready_o
);
  localparam integer IDX_W = $clog2(DIM) + 1;
  localparam integer CNT_W = $clog2(MIN_ROWS + 1) + 1;
  localparam integer LATENCY = 2 * DIM - 1 + OUT_DELAY;

  // ---- port control --------------------------------------------------------------------------------------
  reg               a_stream, b_stream;       // between a first row/beat and its last
  reg [CNT_W-1:0]   a_since, b_since;         // cycles since the last first row/beat (saturating)
  reg               shadow_loaded;            // a preload has written the shadow and was not flipped yet
  reg [IDX_W-1:0]   b_beat;                   // index of the next preload beat

  wire a_idle = !a_stream && (a_since >= CNT_W'(MIN_ROWS));
  wire b_idle = !b_stream && (b_since >= CNT_W'(MIN_ROWS));
  wire weights_ready = shadow_loaded && b_idle;
  assign a_ready = a_stream ? 1'b1 : (a_idle && (!a_flip || weights_ready));
  wire a_fire = a_valid && a_ready;
  wire a_start = a_fire && !a_stream;            // a_first is implied when the port is idle
  wire flip_now = a_start && a_flip;
  assign b_ready = b_stream ? 1'b1 : (b_idle && (!shadow_loaded || flip_now));
  wire b_fire = b_valid && b_ready;
  wire b_start = b_fire && !b_stream;
  assign shadow_loaded_o = shadow_loaded;
  assign weights_ready_o = weights_ready;

  always @(posedge clk) begin
    if (rst) begin
      a_stream <= 1'b0;
      b_stream <= 1'b0;
      a_since <= CNT_W'(MIN_ROWS);
      b_since <= CNT_W'(MIN_ROWS);
      shadow_loaded <= 1'b0;
      b_beat <= '0;
    end else begin
      if (a_start) a_since <= CNT_W'(1);
      else if (a_since < CNT_W'(MIN_ROWS)) a_since <= a_since + CNT_W'(1);
      if (a_fire) a_stream <= !a_last;
      if (b_start) b_since <= CNT_W'(1);
      else if (b_since < CNT_W'(MIN_ROWS)) b_since <= b_since + CNT_W'(1);
      if (b_fire) begin
        b_stream <= !b_last;
        b_beat <= b_last ? '0 : (b_start ? IDX_W'(1) : b_beat + IDX_W'(1));
      end
      if (b_start) shadow_loaded <= 1'b1;
      else if (flip_now) shadow_loaded <= 1'b0;
    end
  end
  wire unused_first = a_first ^ b_first;  // the port state already knows which row is first

  wire [IDX_W-1:0] beat_idx = b_start ? '0 : b_beat;

  // ---- input skew: row k of A and column j of B are delayed by k and j cycles --------------------------------
  wire [DIM*IN_W-1:0]  a_sk;
  wire [DIM-1:0]       av_sk, af_sk;
  wire [DIM*IN_W-1:0]  b_sk;
  wire [DIM-1:0]       bv_sk, bc_sk;
  wire [DIM*IDX_W-1:0] bi_sk;

  // payload = {data, valid, flip} for A and {data, valid, clear, idx} for B
  localparam integer AW = IN_W + 2;
  localparam integer BW = IN_W + 2 + IDX_W;
  wire [DIM*AW-1:0] a_words, a_del;
  wire [DIM*BW-1:0] b_words, b_del;
  genvar k;
  generate
    for (k = 0; k < DIM; k = k + 1) begin : g_skew
      assign a_words[k*AW +: AW] = {a_data[k*IN_W +: IN_W], a_fire, flip_now};
      assign b_words[k*BW +: BW] = {b_data[k*IN_W +: IN_W], b_fire, b_start, beat_idx};
      assign a_sk[k*IN_W +: IN_W] = a_del[k*AW+AW-1 -: IN_W];
      assign av_sk[k] = a_del[k*AW+1];
      assign af_sk[k] = a_del[k*AW];
      assign b_sk[k*IN_W +: IN_W] = b_del[k*BW+BW-1 -: IN_W];
      assign bv_sk[k] = b_del[k*BW+IDX_W+1];
      assign bc_sk[k] = b_del[k*BW+IDX_W];
      assign bi_sk[k*IDX_W +: IDX_W] = b_del[k*BW +: IDX_W];
    end
  endgenerate
  skew_regs #(.LANES(DIM), .W(AW)) u_a_skew (.clk(clk), .rst(rst), .in(a_words), .out(a_del));
  skew_regs #(.LANES(DIM), .W(BW)) u_b_skew (.clk(clk), .rst(rst), .in(b_words), .out(b_del));

  wire [DIM*PSUM_W-1:0] psum;
  mesh #(.DIM(DIM), .IN_W(IN_W), .PSUM_W(PSUM_W), .IDX_W(IDX_W)) u_mesh (
      .clk(clk), .rst(rst),
      .a_in(a_sk), .a_valid(av_sk), .a_flip(af_sk),
      .b_valid(bv_sk), .b_clear(bc_sk), .b_idx(bi_sk), .b_in(b_sk),
      .psum_out(psum));

  // ---- output de-skew: column j is delayed by DIM-1-j cycles, then OUT_DELAY output registers ----------------
  wire [DIM*PSUM_W-1:0] aligned;
  skew_regs #(.LANES(DIM), .W(PSUM_W), .REVERSE(1), .BASE(OUT_DELAY), .RESET(0)) u_deskew (
      .clk(clk), .rst(rst), .in(psum), .out(aligned));

  // Row valid: the accepted A row, delayed by the whole path.
  reg [LATENCY-1:0] valid_sr;
  always @(posedge clk) begin
    if (rst) valid_sr <= '0;
    else valid_sr <= {valid_sr[LATENCY-2:0], a_fire};
  end
  assign out_valid = valid_sr[LATENCY-1];

  genvar j;
  generate
    for (j = 0; j < DIM; j = j + 1) begin : g_out
      wire [PSUM_W-1:0] v = aligned[j*PSUM_W +: PSUM_W];
      assign out_data[j*ACC_W +: ACC_W] = {{(ACC_W - PSUM_W){v[PSUM_W-1]}}, v};
    end
  endgenerate
endmodule
`default_nettype wire
