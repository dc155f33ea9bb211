// The DIM x DIM weight-stationary systolic array: PE(k, j) holds weight B[k][j]; activation element k enters
// row k from the left, partial sums flow down the columns and leave at the bottom. The inputs must already be
// skewed (row k delayed by k cycles, column j by j cycles); mesh_with_delays.v adds the skew and de-skew.
`default_nettype none
module mesh #(
    parameter integer DIM = 16,
    parameter integer IN_W = 8,
    parameter integer PSUM_W = 20,
    parameter integer IDX_W = 5
) (
    input  wire                    clk,
    input  wire                    rst,
    // row k (skewed by k): activation, valid, flip
    input  wire [DIM*IN_W-1:0]     a_in,
    input  wire [DIM-1:0]          a_valid,
    input  wire [DIM-1:0]          a_flip,
    // column j (skewed by j): preload beat
    input  wire [DIM-1:0]          b_valid,
    input  wire [DIM-1:0]          b_clear,
    input  wire [DIM*IDX_W-1:0]    b_idx,
    input  wire [DIM*IN_W-1:0]     b_in,
    // column j (skewed by j): partial sum leaving the bottom row
    output wire [DIM*PSUM_W-1:0]   psum_out
);
  // Horizontal wires: a_h[k][j] enters PE(k, j); vertical: *_v[k][j] enters PE(k, j) from above.
  wire [IN_W-1:0]   a_h  [DIM][DIM+1];
  wire              av_h [DIM][DIM+1];
  wire              af_h [DIM][DIM+1];
  wire [PSUM_W-1:0] ps_v [DIM+1][DIM];
  wire              bv_v [DIM+1][DIM];
  wire              bc_v [DIM+1][DIM];
  wire [IDX_W-1:0]  bi_v [DIM+1][DIM];
  wire [IN_W-1:0]   b_v  [DIM+1][DIM];

  genvar k, j;
  generate
    for (k = 0; k < DIM; k = k + 1) begin : g_left
      assign a_h[k][0] = a_in[k*IN_W +: IN_W];
      assign av_h[k][0] = a_valid[k];
      assign af_h[k][0] = a_flip[k];
    end
    for (j = 0; j < DIM; j = j + 1) begin : g_top
      assign ps_v[0][j] = '0;
      assign bv_v[0][j] = b_valid[j];
      assign bc_v[0][j] = b_clear[j];
      assign bi_v[0][j] = b_idx[j*IDX_W +: IDX_W];
      assign b_v[0][j] = b_in[j*IN_W +: IN_W];
      assign psum_out[j*PSUM_W +: PSUM_W] = ps_v[DIM][j];
    end
    for (k = 0; k < DIM; k = k + 1) begin : g_row
      for (j = 0; j < DIM; j = j + 1) begin : g_col
        pe #(.IN_W(IN_W), .PSUM_W(PSUM_W), .IDX_W(IDX_W), .ROW(k)) u_pe (
            .clk(clk), .rst(rst),
            .a_in(a_h[k][j]), .a_valid_in(av_h[k][j]), .a_flip_in(af_h[k][j]),
            .a_out(a_h[k][j+1]), .a_valid_out(av_h[k][j+1]), .a_flip_out(af_h[k][j+1]),
            .psum_in(ps_v[k][j]), .psum_out(ps_v[k+1][j]),
            .b_valid_in(bv_v[k][j]), .b_clear_in(bc_v[k][j]), .b_idx_in(bi_v[k][j]), .b_in(b_v[k][j]),
            .b_valid_out(bv_v[k+1][j]), .b_clear_out(bc_v[k+1][j]), .b_idx_out(bi_v[k+1][j]),
            .b_out(b_v[k+1][j]));
      end
    end
  endgenerate
endmodule
`default_nettype wire
