// Processing element of the output-stationary mesh (Gemmini's PE in its OS dataflow).
//
// A (in_a, with its valid/first/last/prop control) flows left to right and B (in_b) top to bottom, one
// pipeline register per hop; the PE multiplies the pair that meets it and accumulates into one of its two
// accumulators c1/c2 (ACC_W bits). The accumulator is chosen by the compute's `prop` bit (Gemmini's
// propagate: prop = 1 accumulates into c2, prop = 0 into c1), which the port toggles per compute, so a compute
// accumulates while the previous compute's results still wait in the other register. The first element of a
// compute starts from the preloaded D (bias) when one was loaded into this PE, else from zero.
// Results leave through the output chain `o`: when the column's bottom PE has done its last MAC the column
// drains (drain, drain_prop from the mesh): every PE copies its finished accumulator into `o`, and from then
// on `o` takes the value of the PE above, one hop per cycle, so the column's results leave the bottom row
// first, as in Gemmini's OS mesh.
// D beats travel down the column like WS preload beats: beat ROW is captured into `d`, used once.
`default_nettype none
module os_pe #(
    parameter integer IN_W = 8,
    parameter integer ACC_W = 32,
    parameter integer IDX_W = 5,
    parameter integer ROW = 0
) (
    input  wire                    clk,
    input  wire                    rst,
    // A and the compute's control, left to right
    input  wire signed [IN_W-1:0]  in_a,
    input  wire                    in_valid,
    input  wire                    in_first,
    input  wire                    in_last,
    input  wire                    in_prop,
    output reg  signed [IN_W-1:0]  out_a,
    output reg                     out_valid,
    output reg                     out_first,
    output reg                     out_last,
    output reg                     out_prop,
    // B, top to bottom
    input  wire signed [IN_W-1:0]  in_b,
    output reg  signed [IN_W-1:0]  out_b,
    // D beats (bias), top to bottom
    input  wire                    in_d_valid,
    input  wire [IDX_W-1:0]        in_d_idx,
    input  wire signed [ACC_W-1:0] in_d,
    output reg                     out_d_valid,
    output reg  [IDX_W-1:0]        out_d_idx,
    output reg  signed [ACC_W-1:0] out_d,
    // output chain, top to bottom
    input  wire signed [ACC_W-1:0] in_c,
    output wire signed [ACC_W-1:0] out_c,
    input  wire                    drain,
    input  wire                    drain_prop,
    // this PE did the last MAC of a compute in the previous cycle (used at the bottom row)
    output reg                     last_done,
    output reg                     last_prop
);
  reg signed [ACC_W-1:0] c1, c2, d, o;
  reg d_loaded;
  assign out_c = o;

  wire signed [2*IN_W-1:0] prod = in_a * in_b;
  wire signed [ACC_W-1:0] prod_ext = {{(ACC_W - 2 * IN_W){prod[2*IN_W-1]}}, prod};
  wire signed [ACC_W-1:0] base = in_first ? (d_loaded ? d : '0) : (in_prop ? c2 : c1);
  wire signed [ACC_W-1:0] mac = base + prod_ext;

  always @(posedge clk) begin
    if (rst) begin
      c1 <= '0;
      c2 <= '0;
      d <= '0;
      o <= '0;
      d_loaded <= 1'b0;
      out_a <= '0;
      out_valid <= 1'b0;
      out_first <= 1'b0;
      out_last <= 1'b0;
      out_prop <= 1'b0;
      out_b <= '0;
      out_d_valid <= 1'b0;
      out_d_idx <= '0;
      out_d <= '0;
      last_done <= 1'b0;
      last_prop <= 1'b0;
    end else begin
      out_a <= in_a;
      out_valid <= in_valid;
      out_first <= in_first;
      out_last <= in_last;
      out_prop <= in_prop;
      out_b <= in_b;
      out_d_valid <= in_d_valid;
      out_d_idx <= in_d_idx;
      out_d <= in_d;
      last_done <= in_valid & in_last;
      last_prop <= in_prop;
      if (in_valid) begin
        if (in_prop) c2 <= mac;
        else c1 <= mac;
      end
      if (in_d_valid && in_d_idx == IDX_W'(ROW)) begin
        d <= in_d;
        d_loaded <= 1'b1;
      end else if (in_valid && in_first) begin
        d_loaded <= 1'b0;
      end
      o <= drain ? (drain_prop ? c2 : c1) : in_c;
    end
  end
endmodule
`default_nettype wire
