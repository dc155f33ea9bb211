// SkewRegs: the triangular register chains at a mesh's edges. LANES lanes of W bits; lane k is delayed by
// BASE + k cycles (REVERSE = 0: the input skew) or BASE + LANES-1-k cycles (REVERSE = 1: the output de-skew,
// with BASE output registers after it). A lane whose delay is 0 is a wire. With RESET = 1 the registers clear
// on rst; with RESET = 0 they have no reset (rst is then unused).
`default_nettype none
module skew_regs #(
    parameter integer LANES = 16,
    parameter integer W = 8,
    parameter integer REVERSE = 0,
    parameter integer BASE = 0,
    parameter integer RESET = 1
) (
    input  wire                clk,
    input  wire                rst,
    input  wire [LANES*W-1:0]  in,
    output wire [LANES*W-1:0]  out
);
  genvar k;
  generate
    for (k = 0; k < LANES; k = k + 1) begin : g_lane
      localparam integer D = BASE + (REVERSE != 0 ? LANES - 1 - k : k);
      if (D == 0) begin : g_direct
        assign out[k*W +: W] = in[k*W +: W];
      end else begin : g_shift
        reg [W-1:0] sr [D];
        integer t;
        always @(posedge clk) begin
          if (RESET != 0 && rst) begin
            for (t = 0; t < D; t = t + 1) sr[t] <= '0;
          end else begin
            sr[0] <= in[k*W +: W];
            for (t = 1; t < D; t = t + 1) sr[t] <= sr[t-1];
          end
        end
        assign out[k*W +: W] = sr[D-1];
      end
    end
  endgenerate
endmodule
`default_nettype wire
