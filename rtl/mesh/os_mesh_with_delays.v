// MeshWithDelays in the output-stationary dataflow: the OS mesh with its B operand buffer, input skew, output
// de-skew and the port control that the engine's OS mesh model (sim/engine/mesh.h) describes.
//
// The engine's OS command stream is LOOP_WS's: a preload delivers the B block, computes deliver A blocks and
// reuse the B block until the next preload. So B lives in a double-buffered operand buffer at the top edge:
// a preload's beats (B rows) fill the shadow rows (the first beat clears them, so rows it does not supply are
// zero); a COMPUTE_PRELOADED (a_flip) makes the shadow active. A compute streams A column t (element i = A[i][t])
// into the left edge while the buffer streams B row t into the top edge, in the same cycle, for K cycles.
// Left port (A columns): the first column may enter when the port is idle (at least MIN_ROWS cycles since the
// previous compute's first column: the 4-row floor), a flip also needs the last preload complete, and the
// compute's last column must come at least DIM cycles after the previous compute's last column (a_rows = K is
// known with the first column): each compute drains DIM result rows through the bottom of the mesh, one per
// cycle, so drains must be DIM cycles apart.
// Top port (B rows, preload): as in the WS mesh: the first beat may enter when the port is idle (MIN_ROWS cycles
// per preload) and the shadow is free, i.e. flipped (in the same cycle at the earliest).
// D port (bias rows, ACC_W bits): beat i is captured by PE row i and initialises the accumulators of the next
// compute; the rows must enter at least DIM cycles before that compute's first column (no handshake).
// Timing: a compute whose last column enters at L drains in DIM consecutive output rows, bottom row first:
// beat m (result row DIM-1-m, all columns aligned, out_valid) leaves at L + LATENCY + m,
// LATENCY = 2*DIM + OUT_DELAY. Results are ACC_W-bit sums (plus D).
`default_nettype none
module os_mesh_with_delays #(
    parameter integer DIM = 16,
    parameter integer IN_W = 8,
    parameter integer ACC_W = 32,
    parameter integer OUT_DELAY = 1,
    parameter integer MIN_ROWS = 4
) (
    input  wire                  clk,
    input  wire                  rst,
    // left port: A columns
    input  wire                  a_valid,
    output wire                  a_ready,
    input  wire [DIM*IN_W-1:0]   a_data,
    input  wire                  a_first,
    input  wire                  a_flip,
    input  wire                  a_last,
    input  wire [7:0]            a_rows,    // K: columns this compute streams (read with the first column)
    // top port: B rows (preload)
    input  wire                  b_valid,
    output wire                  b_ready,
    input  wire [DIM*IN_W-1:0]   b_data,
    input  wire                  b_first,
    input  wire                  b_last,
    // D port: bias rows
    input  wire                  d_valid,
    input  wire [DIM*ACC_W-1:0]  d_data,
    input  wire                  d_first,
    input  wire                  d_last,
    // output rows (bottom row first)
    output wire                  out_valid,
    output wire [DIM*ACC_W-1:0]  out_data,
    // status
    output wire                  shadow_loaded_o,
    output wire                  weights_ready_o
);
  localparam integer IDX_W = $clog2(DIM) + 1;
  localparam integer CNT_W = $clog2(MIN_ROWS + 1) + 1;
  localparam integer WAIT_W = $clog2(DIM + 1) + 1;
  localparam integer LATENCY = 2 * DIM + OUT_DELAY;

  // ---- port control --------------------------------------------------------------------------------------
  reg               a_stream, b_stream, d_stream;
  reg [CNT_W-1:0]   a_since, b_since;
  reg               shadow_loaded;
  reg [IDX_W-1:0]   b_beat, a_col, d_beat;
  reg [WAIT_W-1:0]  drain_wait;   // cycles until a compute's last column may enter again
  reg               prop;         // the last compute's propagate bit

  wire a_idle = !a_stream && (a_since >= CNT_W'(MIN_ROWS));
  wire b_idle = !b_stream && (b_since >= CNT_W'(MIN_ROWS));
  wire weights_ready = shadow_loaded && b_idle;
  wire drain_ok = ({1'b0, a_rows} - 9'd1) >= 9'(drain_wait);
  assign a_ready = a_stream ? 1'b1 : (a_idle && drain_ok && (!a_flip || weights_ready));
  wire a_fire = a_valid && a_ready;
  wire a_start = a_fire && !a_stream;
  wire a_end = a_fire && a_last;
  wire flip_now = a_start && a_flip;
  assign b_ready = b_stream ? 1'b1 : (b_idle && (!shadow_loaded || flip_now));
  wire b_fire = b_valid && b_ready;
  wire b_start = b_fire && !b_stream;
  wire d_start = d_valid && !d_stream;
  wire cur_prop = a_start ? !prop : prop;
  assign shadow_loaded_o = shadow_loaded;
  assign weights_ready_o = weights_ready;

  always @(posedge clk) begin
    if (rst) begin
      a_stream <= 1'b0;
      b_stream <= 1'b0;
      d_stream <= 1'b0;
      a_since <= CNT_W'(MIN_ROWS);
      b_since <= CNT_W'(MIN_ROWS);
      shadow_loaded <= 1'b0;
      b_beat <= '0;
      a_col <= '0;
      d_beat <= '0;
      drain_wait <= '0;
      prop <= 1'b0;
    end else begin
      if (a_start) a_since <= CNT_W'(1);
      else if (a_since < CNT_W'(MIN_ROWS)) a_since <= a_since + CNT_W'(1);
      if (a_fire) begin
        a_stream <= !a_last;
        a_col <= a_last ? '0 : (a_start ? IDX_W'(1) : a_col + IDX_W'(1));
      end
      if (a_start) prop <= !prop;
      if (a_end) drain_wait <= WAIT_W'(DIM - 1);
      else if (drain_wait != '0) drain_wait <= drain_wait - WAIT_W'(1);
      if (b_start) b_since <= CNT_W'(1);
      else if (b_since < CNT_W'(MIN_ROWS)) b_since <= b_since + CNT_W'(1);
      if (b_fire) begin
        b_stream <= !b_last;
        b_beat <= b_last ? '0 : (b_start ? IDX_W'(1) : b_beat + IDX_W'(1));
      end
      if (b_start) shadow_loaded <= 1'b1;
      else if (flip_now) shadow_loaded <= 1'b0;
      if (d_valid) begin
        d_stream <= !d_last;
        d_beat <= d_last ? '0 : (d_start ? IDX_W'(1) : d_beat + IDX_W'(1));
      end
    end
  end
  wire unused_first = a_first ^ b_first ^ d_first;  // the port state already knows which row is first

  wire [IDX_W-1:0] beat_idx = b_start ? '0 : b_beat;
  wire [IDX_W-1:0] col_idx = a_start ? '0 : a_col;
  wire [IDX_W-1:0] d_idx = d_start ? '0 : d_beat;

  // ---- the B operand buffer: shadow rows (filled by preloads) and active rows (streamed by computes) ---------
  reg  [DIM*IN_W-1:0] b_shadow [DIM];
  reg  [DIM*IN_W-1:0] b_active [DIM];
  integer r;
  always @(posedge clk) begin
    if (rst) begin
      for (r = 0; r < DIM; r = r + 1) begin
        b_shadow[r] <= '0;
        b_active[r] <= '0;
      end
    end else begin
      if (flip_now)
        for (r = 0; r < DIM; r = r + 1) b_active[r] <= b_shadow[r];
      if (b_fire)
        for (r = 0; r < DIM; r = r + 1) begin
          if (beat_idx == IDX_W'(r)) b_shadow[r] <= b_data;
          else if (b_start) b_shadow[r] <= '0;
        end
    end
  end
  wire [IDX_W-2:0] col_row = col_idx[IDX_W-2:0];  // K <= DIM: the top bit is never set
  wire unused_col = col_idx[IDX_W-1];
  wire [DIM*IN_W-1:0] b_row = !a_fire ? '0 : (flip_now ? b_shadow[0] : b_active[col_row]);

  // ---- input skew: row i of A and column j of B and D are delayed by i and j cycles --------------------------
  wire [DIM*IN_W-1:0]  a_sk, b_sk;
  wire [DIM-1:0]       av_sk, af_sk, al_sk, ap_sk, dv_sk;
  wire [DIM*IDX_W-1:0] di_sk;
  wire [DIM*ACC_W-1:0] d_sk;

  // payload = {a, valid, first, last, prop} for A, {b, d, d_valid, d_idx} for the top edge
  localparam integer AW = IN_W + 4;
  localparam integer TW = IN_W + ACC_W + 1 + IDX_W;
  wire [DIM*AW-1:0] a_words, a_del;
  wire [DIM*TW-1:0] t_words, t_del;
  genvar k;
  generate
    for (k = 0; k < DIM; k = k + 1) begin : g_skew
      assign a_words[k*AW +: AW] = {a_data[k*IN_W +: IN_W], a_fire, a_start, a_end, cur_prop};
      assign t_words[k*TW +: TW] = {b_row[k*IN_W +: IN_W], d_data[k*ACC_W +: ACC_W], d_valid, d_idx};
      assign a_sk[k*IN_W +: IN_W] = a_del[k*AW+AW-1 -: IN_W];
      assign av_sk[k] = a_del[k*AW+3];
      assign af_sk[k] = a_del[k*AW+2];
      assign al_sk[k] = a_del[k*AW+1];
      assign ap_sk[k] = a_del[k*AW];
      assign b_sk[k*IN_W +: IN_W] = t_del[k*TW+TW-1 -: IN_W];
      assign d_sk[k*ACC_W +: ACC_W] = t_del[k*TW+IDX_W+1 +: ACC_W];
      assign dv_sk[k] = t_del[k*TW+IDX_W];
      assign di_sk[k*IDX_W +: IDX_W] = t_del[k*TW +: IDX_W];
    end
  endgenerate
  skew_regs #(.LANES(DIM), .W(AW)) u_a_skew (.clk(clk), .rst(rst), .in(a_words), .out(a_del));
  skew_regs #(.LANES(DIM), .W(TW)) u_t_skew (.clk(clk), .rst(rst), .in(t_words), .out(t_del));

  wire [DIM*ACC_W-1:0] c_col;
  os_mesh #(.DIM(DIM), .IN_W(IN_W), .ACC_W(ACC_W), .IDX_W(IDX_W)) u_mesh (
      .clk(clk), .rst(rst),
      .a_in(a_sk), .a_valid(av_sk), .a_first(af_sk), .a_last(al_sk), .a_prop(ap_sk),
      .b_in(b_sk), .d_valid(dv_sk), .d_idx(di_sk), .d_in(d_sk),
      .c_out(c_col));

  // ---- output de-skew: column j is delayed by DIM-1-j cycles, then OUT_DELAY output registers ----------------
  skew_regs #(.LANES(DIM), .W(ACC_W), .REVERSE(1), .BASE(OUT_DELAY), .RESET(0)) u_deskew (
      .clk(clk), .rst(rst), .in(c_col), .out(out_data));

  // Output valid: DIM beats from LATENCY cycles after each compute's last column.
  reg [LATENCY-1:0] end_sr;
  reg [WAIT_W-1:0]  beats_left;
  always @(posedge clk) begin
    if (rst) begin
      end_sr <= '0;
      beats_left <= '0;
    end else begin
      end_sr <= {end_sr[LATENCY-2:0], a_end};
      if (end_sr[LATENCY-1]) beats_left <= WAIT_W'(DIM - 1);
      else if (beats_left != '0) beats_left <= beats_left - WAIT_W'(1);
    end
  end
  assign out_valid = end_sr[LATENCY-1] || (beats_left != '0);
endmodule
`default_nettype wire
