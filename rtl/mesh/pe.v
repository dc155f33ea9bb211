// Processing element of the weight-stationary mesh (Gemmini's PE with PE-level double-buffered weights).
//
// Each cycle the PE multiplies the activation arriving from the left by its weight and adds the partial sum
// arriving from above; activation, partial sum and the preload beat each leave through one pipeline register
// (one register per hop). Weights are double buffered: preload beats travel down the column and write the
// shadow weight (beat index == ROW; the first beat of a preload clears the shadow, so rows a preload does not
// supply are zero), while the active weight feeds the multiplier. The first activation row of a
// COMPUTE_PRELOADED carries `flip`: it multiplies by the shadow weight and copies it into the active register,
// so the flip travels through the array with the data wavefront (Gemmini's propagate signal).
`default_nettype none
module pe #(
    parameter integer IN_W = 8,      // input and weight width (signed)
    parameter integer PSUM_W = 20,   // partial-sum width inside the array (spatialArrayOutputType)
    parameter integer IDX_W = 5,     // width of the preload beat index
    parameter integer ROW = 0        // this PE's row in the mesh (the beat index it captures)
) (
    input  wire                     clk,
    input  wire                     rst,
    // activations, left to right
    input  wire signed [IN_W-1:0]   a_in,
    input  wire                     a_valid_in,
    input  wire                     a_flip_in,
    output reg  signed [IN_W-1:0]   a_out,
    output reg                      a_valid_out,
    output reg                      a_flip_out,
    // partial sums, top to bottom
    input  wire signed [PSUM_W-1:0] psum_in,
    output reg  signed [PSUM_W-1:0] psum_out,
    // preload beats (weights), top to bottom
    input  wire                     b_valid_in,
    input  wire                     b_clear_in,
    input  wire [IDX_W-1:0]         b_idx_in,
    input  wire signed [IN_W-1:0]   b_in,
    output reg                      b_valid_out,
    output reg                      b_clear_out,
    output reg  [IDX_W-1:0]         b_idx_out,
    output reg  signed [IN_W-1:0]   b_out
);
  reg signed [IN_W-1:0] w_active;
  reg signed [IN_W-1:0] w_shadow;

  wire flip = a_valid_in & a_flip_in;
  wire signed [IN_W-1:0] w_use = flip ? w_shadow : w_active;
  // int8 x int8 fits 2*IN_W bits; sign-extend into the partial-sum width.
  wire signed [2*IN_W-1:0] prod = a_in * w_use;
  wire signed [PSUM_W-1:0] prod_ext = {{(PSUM_W - 2 * IN_W){prod[2*IN_W-1]}}, prod};

  always @(posedge clk) begin
    if (rst) begin
      w_active <= '0;
      w_shadow <= '0;
      a_out <= '0;
      a_valid_out <= 1'b0;
      a_flip_out <= 1'b0;
      psum_out <= '0;
      b_valid_out <= 1'b0;
      b_clear_out <= 1'b0;
      b_idx_out <= '0;
      b_out <= '0;
    end else begin
      a_out <= a_in;
      a_valid_out <= a_valid_in;
      a_flip_out <= a_flip_in;
      psum_out <= psum_in + prod_ext;
      b_valid_out <= b_valid_in;
      b_clear_out <= b_clear_in;
      b_idx_out <= b_idx_in;
      b_out <= b_in;
      if (flip) w_active <= w_shadow;
      if (b_valid_in) begin
        if (b_idx_in == IDX_W'(ROW)) w_shadow <= b_in;
        else if (b_clear_in) w_shadow <= '0;
      end
    end
  end
endmodule
`default_nettype wire
