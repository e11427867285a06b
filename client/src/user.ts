const COLORS = ['#e06c75', '#61afef', '#98c379', '#e5c07b', '#c678dd', '#56b6c2', '#d19a66', '#be5046'];

/** This browser's display name and colour, kept in localStorage (collaboration asks for the name). */
export function userIdentity(): { name: string; color: string } {
  let name = localStorage.getItem('nimbus.userName');
  if (!name) {
    name = `Guest ${Math.floor(Math.random() * 900 + 100)}`;
    localStorage.setItem('nimbus.userName', name);
  }
  let color = localStorage.getItem('nimbus.userColor');
  if (!color) {
    color = COLORS[Math.floor(Math.random() * COLORS.length)] as string;
    localStorage.setItem('nimbus.userColor', color);
  }
  return { name, color };
}
