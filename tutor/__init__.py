"""tutor: a keyboard-driven terminal tutor that dissects neural networks.

The package has three layers whose imports only point down: ``tutor.ui`` (Textual)
-> ``tutor.course`` (lesson format) -> ``tutor.engine`` (PyTorch). Importing this
package loads neither Textual nor torch.
"""

__version__ = "0.1.0"
