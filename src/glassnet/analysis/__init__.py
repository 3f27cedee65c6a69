"""glassnet.analysis: the seeds' "show that" and "which of these" questions as tools.

=========================== ================================================ ==============
tool                        answers                                          seed
=========================== ================================================ ==============
sigmoid_to_tanh,            an equivalent network with the other hidden      002 P2, 004 Q3
tanh_to_sigmoid             activation, and the formulas applied
collapse_linear             consecutive affine layers merge (b*, w*)         001 P1
softmax2_to_sigmoid,        a 2-class softmax is a sigmoid; K classes need   004 Q2
softmax_reduce              K − 1 free logits
structural_zeros            which gradients are zero whatever the loss       002 P3
shape_table                 the shape of every forward/backward quantity     001 P2
check_rule                  does a hand-made network compute a rule (ties)   002 P1
unit_boundaries, …          hidden units' boundary lines, points, patterns,  000 §3.2–3.3
                            regions, outputs from hidden values
autograd_graph,             the computation graph as Mermaid/DOT/SVG         002 P3–P4
trace_graph, network_graph
gradcheck                   backward against central differences            (every op)
=========================== ================================================ ==============
"""
from .boundaries import (RegionMap, UnitBoundary, boundary_points, hidden_pattern, output_from_hidden,
                         region_map, unit_boundaries)
from .gradcheck import GradcheckEntry, GradcheckError, GradcheckReport, gradcheck
from .graph import (Edge, Graph, GraphvizNotFound, Node, autograd_graph, draw, has_graphviz,
                    network_graph, trace_graph)
from .rules import RULES, Counterexample, RuleCheck, check_rule, edge_cases
from .shapes import NOTATIONS, ShapeRow, ShapeTable, shape_table
from .spec import SpecError, load_network, load_spec, model_from_spec, save_spec, spec_from_model
from .transforms import (Equivalence, InsertZero, TwoClass, collapse_linear, max_difference,
                         sigmoid_to_tanh, softmax2_to_sigmoid, softmax_reduce, tanh_to_sigmoid)
from .zeros import StructuralZeros, ZeroEntry, structural_zeros
