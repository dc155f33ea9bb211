// The DIM x DIM output-stationary systolic array: PE(i, j) accumulates C[i][j]. Element i of an A column
// enters row i from the left, element j of a B row enters column j from the top, D beats (bias rows) enter
// column j from the top; inputs must already be skewed (row i by i cycles, column j by j cycles;
// os_mesh_with_delays.v adds the skew). Results leave the bottom of each column, bottom row first: a column
// drains in the cycle after its bottom PE did the last MAC of a compute (Gemmini's propagate, driven from
// the bottom of the column).
`default_nettype none
module os_mesh #(
    parameter integer DIM = 16,
    parameter integer IN_W = 8,
    parameter integer ACC_W = 32,
    parameter integer IDX_W = 5
) (
    input  wire                  clk,
    input  wire                  rst,
    // row i (skewed by i): A element and the compute's control
    input  wire [DIM*IN_W-1:0]   a_in,
    input  wire [DIM-1:0]        a_valid,
    input  wire [DIM-1:0]        a_first,
    input  wire [DIM-1:0]        a_last,
    input  wire [DIM-1:0]        a_prop,
    // column j (skewed by j): B element and D beat
    input  wire [DIM*IN_W-1:0]   b_in,
    input  wire [DIM-1:0]        d_valid,
    input  wire [DIM*IDX_W-1:0]  d_idx,
    input  wire [DIM*ACC_W-1:0]  d_in,
    // column j (skewed by j): the output chain leaving the bottom row
    output wire [DIM*ACC_W-1:0]  c_out
);
  wire [IN_W-1:0]  a_h  [DIM][DIM+1];
  wire             av_h [DIM][DIM+1];
  wire             af_h [DIM][DIM+1];
  wire             al_h [DIM][DIM+1];
  wire             ap_h [DIM][DIM+1];
  wire [IN_W-1:0]  b_v  [DIM+1][DIM];
  wire             dv_v [DIM+1][DIM];
  wire [IDX_W-1:0] di_v [DIM+1][DIM];
  wire [ACC_W-1:0] d_v  [DIM+1][DIM];
  wire [ACC_W-1:0] c_v  [DIM+1][DIM];
  wire             done [DIM][DIM];
  wire             dprop[DIM][DIM];

  genvar i, j;
  generate
    for (i = 0; i < DIM; i = i + 1) begin : g_left
      assign a_h[i][0] = a_in[i*IN_W +: IN_W];
      assign av_h[i][0] = a_valid[i];
      assign af_h[i][0] = a_first[i];
      assign al_h[i][0] = a_last[i];
      assign ap_h[i][0] = a_prop[i];
    end
    for (j = 0; j < DIM; j = j + 1) begin : g_top
      assign b_v[0][j] = b_in[j*IN_W +: IN_W];
      assign dv_v[0][j] = d_valid[j];
      assign di_v[0][j] = d_idx[j*IDX_W +: IDX_W];
      assign d_v[0][j] = d_in[j*ACC_W +: ACC_W];
      assign c_v[0][j] = '0;
      assign c_out[j*ACC_W +: ACC_W] = c_v[DIM][j];
    end
    for (i = 0; i < DIM; i = i + 1) begin : g_row
      for (j = 0; j < DIM; j = j + 1) begin : g_col
        os_pe #(.IN_W(IN_W), .ACC_W(ACC_W), .IDX_W(IDX_W), .ROW(i)) u_pe (
            .clk(clk), .rst(rst),
            .in_a(a_h[i][j]), .in_valid(av_h[i][j]), .in_first(af_h[i][j]), .in_last(al_h[i][j]),
            .in_prop(ap_h[i][j]),
            .out_a(a_h[i][j+1]), .out_valid(av_h[i][j+1]), .out_first(af_h[i][j+1]), .out_last(al_h[i][j+1]),
            .out_prop(ap_h[i][j+1]),
            .in_b(b_v[i][j]), .out_b(b_v[i+1][j]),
            .in_d_valid(dv_v[i][j]), .in_d_idx(di_v[i][j]), .in_d(d_v[i][j]),
            .out_d_valid(dv_v[i+1][j]), .out_d_idx(di_v[i+1][j]), .out_d(d_v[i+1][j]),
            .in_c(c_v[i][j]), .out_c(c_v[i+1][j]),
            .drain(done[DIM-1][j]), .drain_prop(dprop[DIM-1][j]),
            .last_done(done[i][j]), .last_prop(dprop[i][j]));
      end
    end
  endgenerate
endmodule
`default_nettype wire
